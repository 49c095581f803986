import { describe, expect, it } from "vitest";
import { reserveSlot, reserveSlotAt } from "./rate-limit";

describe("shared rate limit (PostgreSQL token bucket)", () => {
  it("spaces concurrent reservations to the rate, whoever asks", async () => {
    const key = `test:${Date.now()}`;
    const sendAt = await Promise.all(
      Array.from({ length: 120 }, async () => {
        const { waitMs, atMs } = await reserveSlotAt(key, 40);
        return atMs + waitMs;
      }),
    );
    const sorted = sendAt.sort((a, b) => a - b);
    const busiestSecond = Math.max(...sorted.map((t, i) => sorted.slice(i).filter((u) => u - t < 1_000).length));
    expect(busiestSecond).toBeLessThanOrEqual(40 + 10);
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThanOrEqual(2_000);
  });

  it("keeps buckets apart", async () => {
    const a = `test:a:${Date.now()}`;
    const b = `test:b:${Date.now()}`;
    for (let i = 0; i < 5; i++) await reserveSlot(a, 4);
    expect(await reserveSlot(b, 4)).toBe(0);
  });
});
