import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REFUSALS, Refusal, refusalOf, type RefusalCode } from "./refusal";
import { guardRoute } from "./route-guard";

const codes = Object.keys(REFUSALS) as RefusalCode[];
const request = () => new Request("http://bridge.test/api/event", { method: "POST" });
const answerTo = (error: unknown) =>
  guardRoute(async () => {
    throw error;
  })(request());

describe("the refusal table", () => {
  it("is the one docs/errors.md shows, code by code", () => {
    const documented = Object.fromEntries(
      [...readFileSync("docs/errors.md", "utf8").matchAll(/^\| `([a-z_]+)` +\| (\d{3}) /gm)].map((row) => [
        row[1],
        Number(row[2]),
      ]),
    );
    expect(documented).toEqual(REFUSALS);
  });

  it.each(codes)("answers %s with its status in the routes' JSON shape, never cached", async (code) => {
    const response = await answerTo(new Refusal(code, `refused: ${code}`));
    expect(response.status).toBe(REFUSALS[code]);
    expect(await response.json()).toEqual({ success: false, errorMsg: `refused: ${code}` });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("retry-after")).toBeNull();
  });

  it("sends Retry-After when the refusal has one", async () => {
    const response = await answerTo(new Refusal("too_many_guesses", "retry in 7 s", 7));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("answers a subclass by its code, keeping its data for whoever catches it", () => {
    class ExtensionTaken extends Refusal {
      constructor(readonly owner: string) {
        super("extension_taken", `extension already taken by ${owner}`);
      }
    }
    const refusal = refusalOf(new ExtensionTaken("Петрова"));
    expect(refusal).toBeInstanceOf(ExtensionTaken);
    expect(refusal).toMatchObject({ code: "extension_taken", status: 409, owner: "Петрова" });
  });
});

describe("refusalOf", () => {
  it("makes a database out of reach a 503 to retry in 5 s", async () => {
    const outage = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(refusalOf(outage)).toMatchObject({ code: "database_unavailable", status: 503, retryAfterSeconds: 5 });
    const response = await answerTo(outage);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({
      success: false,
      errorMsg: "service temporarily unavailable (database unreachable); retry",
    });
  });

  it("gives nothing for any other error, which the guard lets through as a bug", async () => {
    const bug = new TypeError("x is undefined");
    expect(refusalOf(bug)).toBeUndefined();
    await expect(answerTo(bug)).rejects.toBe(bug);
  });
});
