import { describe, expect, it } from "vitest";
import { GuessThrottle } from "./guess-throttle";

const options = { burst: 3, refillPerSecond: 0.5, maxSources: 2 };

describe("GuessThrottle", () => {
  it("lets a source miss a burst of times, then refuses it until it has earned a token back", () => {
    const throttle = new GuessThrottle(options);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter("10.0.0.1", 1_000)).toBe(0);
      throttle.recordMiss("10.0.0.1", 1_000);
    }
    expect(throttle.retryAfter("10.0.0.1", 1_000)).toBe(2);
    expect(throttle.retryAfter("10.0.0.1", 2_000)).toBe(1);
    expect(throttle.retryAfter("10.0.0.1", 3_000)).toBe(0);
  });

  it("keeps sources apart", () => {
    const throttle = new GuessThrottle(options);
    for (let i = 0; i < 5; i++) throttle.recordMiss("10.0.0.1", 0);
    expect(throttle.retryAfter("10.0.0.1", 0)).toBeGreaterThan(0);
    expect(throttle.retryAfter("10.0.0.2", 0)).toBe(0);
  });

  it("never lets a source bank more than a burst", () => {
    const throttle = new GuessThrottle(options);
    throttle.recordMiss("10.0.0.1", 0);
    for (let i = 0; i < 3; i++) throttle.recordMiss("10.0.0.1", 3_600_000);
    expect(throttle.retryAfter("10.0.0.1", 3_600_000)).toBeGreaterThan(0);
  });

  it("forgets the oldest source when it remembers too many", () => {
    const throttle = new GuessThrottle(options);
    for (let i = 0; i < 5; i++) throttle.recordMiss("10.0.0.1", 0);
    throttle.recordMiss("10.0.0.2", 0);
    throttle.recordMiss("10.0.0.3", 0);
    expect(throttle.retryAfter("10.0.0.1", 0)).toBe(0);
  });
});
