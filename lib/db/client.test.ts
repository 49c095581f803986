import { describe, expect, it } from "vitest";
import { deliveryPoolSize } from "./client";

describe("deliveryPoolSize", () => {
  it("leaves every delivery a second connection for its rate-limit slot", () => {
    expect(deliveryPoolSize(10, 5)).toBe(11);
    expect(deliveryPoolSize(10, 20)).toBe(41);
    expect(deliveryPoolSize(50, 5)).toBe(50);
  });
});
