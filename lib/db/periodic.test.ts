import { describe, expect, it } from "vitest";
import { periodic } from "./periodic";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("periodic", () => {
  it("runs a round at once when poked, and once more right after one poked while running", async () => {
    const starts: number[] = [];
    let release: () => void = () => undefined;
    const loop = periodic(
      60_000,
      () => {
        starts.push(Date.now());
        return starts.length === 2 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      "a test loop",
    );
    await pause(20);
    expect(starts).toHaveLength(1);
    loop.poke();
    expect(starts).toHaveLength(2);
    // Poked twice while the second round runs: one more round, right after it.
    loop.poke();
    loop.poke();
    await pause(20);
    expect(starts).toHaveLength(2);
    release();
    await pause(20);
    expect(starts).toHaveLength(3);
    await pause(50);
    expect(starts).toHaveLength(3);
    await loop.stop();
    loop.poke();
    expect(starts).toHaveLength(3);
  });
});
