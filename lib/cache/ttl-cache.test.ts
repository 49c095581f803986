import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache";

describe("TtlCache", () => {
  it("serves fresh, then stale, then nothing", () => {
    const cache = new TtlCache<string>(10);
    cache.set("k", "v", 100, 1_000, 0);
    expect(cache.get("k", 50)).toEqual({ value: "v", fresh: true });
    expect(cache.get("k", 500)).toEqual({ value: "v", fresh: false });
    expect(cache.get("k", 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops the oldest entry when full", () => {
    const cache = new TtlCache<number>(2);
    cache.set("a", 1, 1_000, 1_000, 0);
    cache.set("b", 2, 1_000, 1_000, 0);
    cache.set("a", 3, 1_000, 1_000, 0);
    cache.set("c", 4, 1_000, 1_000, 0);
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)?.value).toBe(3);
    expect(cache.get("c", 1)?.value).toBe(4);
  });
});
