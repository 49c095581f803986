import { describe, expect, it } from "vitest";
import { StatementBatcher } from "./statement-batcher";

type Item = { key: string; value: number };

class DatabaseAway extends Error {}

/** A batcher whose statements the test finishes by hand; `statements` lists each one's items. */
function harness(
  options: {
    maxBatch?: number;
    maxInFlight?: number;
    lingerMs?: number;
    fail?: (items: Item[]) => Error | undefined;
  } = {},
) {
  const statements: Item[][] = [];
  const running: (() => void)[] = [];
  const batcher = new StatementBatcher<Item, number>({
    run: (items) => {
      statements.push(items);
      return new Promise((resolve, reject) => {
        running.push(() => {
          const error = options.fail?.(items);
          if (error) reject(error);
          else resolve(items.map((item) => item.value * 10));
        });
      });
    },
    keyOf: (item) => item.key,
    maxBatch: options.maxBatch ?? 100,
    maxInFlight: options.maxInFlight ?? 1,
    failsAll: (error) => error instanceof DatabaseAway,
    lingerMs: options.lingerMs,
  });
  const settle = async () => {
    while (running.length > 0) {
      running.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const keys = () => statements.map((items) => items.map((item) => item.key).join(""));
  return { batcher, statements, settle, keys };
}

describe("StatementBatcher", () => {
  it("runs a lone item at once, in a statement of its own", async () => {
    const { batcher, keys, settle } = harness();
    const result = batcher.submit({ key: "a", value: 1 });
    expect(keys()).toEqual(["a"]);
    await settle();
    await expect(result).resolves.toBe(10);
  });

  it("gathers what arrives while statements run into the next one, each item getting its own result", async () => {
    const { batcher, keys, settle } = harness({ maxInFlight: 2 });
    const results = ["a", "b", "c", "d", "e"].map((key, value) => batcher.submit({ key, value }));
    expect(keys()).toEqual(["a", "b"]);
    await settle();
    expect(keys()).toEqual(["a", "b", "cde"]);
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40]);
  });

  it("never puts two items with one key in a statement: the later keeps its place for the next", async () => {
    const { batcher, keys, settle } = harness();
    const results = ["x", "a", "b", "a", "c", "a"].map((key, value) => batcher.submit({ key, value }));
    await settle();
    expect(keys()).toEqual(["x", "abc", "a", "a"]);
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it("takes at most maxBatch items into a statement", async () => {
    const { batcher, keys, settle } = harness({ maxBatch: 2 });
    const results = ["x", "a", "b", "c", "d", "e"].map((key, value) => batcher.submit({ key, value }));
    await settle();
    expect(keys()).toEqual(["x", "ab", "cd", "e"]);
    await Promise.all(results);
  });

  it("runs a failed statement again item by item, so that only the item at fault fails", async () => {
    const fault = new Error("violates foreign key constraint");
    const { batcher, keys, settle } = harness({
      fail: (items) => (items.some((item) => item.key === "b") ? fault : undefined),
    });
    const results = Promise.allSettled(["x", "a", "b", "c"].map((key, value) => batcher.submit({ key, value })));
    await settle();
    expect(keys()).toEqual(["x", "abc", "a", "b", "c"]);
    expect(await results).toEqual([
      { status: "fulfilled", value: 0 },
      { status: "fulfilled", value: 10 },
      { status: "rejected", reason: fault },
      { status: "fulfilled", value: 30 },
    ]);
  });

  it("fails every item of a statement at once when the database is away", async () => {
    const away = new DatabaseAway("connection terminated");
    let down = false;
    const { batcher, keys, settle } = harness({ fail: () => (down ? away : undefined) });
    const results = Promise.allSettled(["x", "a", "b"].map((key, value) => batcher.submit({ key, value })));
    down = true;
    await settle();
    expect(keys()).toEqual(["x", "ab"]);
    expect(await results).toEqual([
      { status: "rejected", reason: away },
      { status: "rejected", reason: away },
      { status: "rejected", reason: away },
    ]);
  });

  it("starts new statements again once a failed one is done", async () => {
    const { batcher, keys, settle } = harness({
      fail: (items) => (items[0]!.key === "x" ? new DatabaseAway("down") : undefined),
    });
    await Promise.allSettled([batcher.submit({ key: "x", value: 0 }), settle()]);
    const later = batcher.submit({ key: "a", value: 1 });
    expect(keys()).toEqual(["x", "a"]);
    await settle();
    await expect(later).resolves.toBe(10);
  });

  it("lingers before a statement, when asked, so that items arriving meanwhile share it", async () => {
    const { batcher, keys, settle } = harness({ lingerMs: 30, maxBatch: 3 });
    const first = batcher.submit({ key: "a", value: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = batcher.submit({ key: "b", value: 2 });
    expect(keys()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(keys()).toEqual(["ab"]);
    // A full batch does not wait.
    const full = ["c", "d", "e"].map((key, value) => batcher.submit({ key, value }));
    await settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(keys()).toEqual(["ab", "cde"]);
    await settle();
    await expect(Promise.all([first, second, ...full])).resolves.toEqual([10, 20, 0, 10, 20]);
  });
});
