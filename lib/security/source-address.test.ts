import { describe, expect, it } from "vitest";
import { sourceAddress } from "./source-address";

describe("sourceAddress", () => {
  it("takes the last X-Forwarded-For entry, the one the nearest hop added", () => {
    expect(sourceAddress(new Headers({ "x-forwarded-for": "203.0.113.9" }))).toBe("203.0.113.9");
    expect(sourceAddress(new Headers({ "x-forwarded-for": "1.2.3.4, 198.51.100.7 " }))).toBe("198.51.100.7");
    expect(sourceAddress(new Headers({ "x-forwarded-for": "::ffff:127.0.0.1" }))).toBe("::ffff:127.0.0.1");
  });

  it("names requests without one 'unknown'", () => {
    expect(sourceAddress(new Headers())).toBe("unknown");
    expect(sourceAddress(new Headers({ "x-forwarded-for": " , " }))).toBe("unknown");
  });
});
