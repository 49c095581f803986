import { describe, expect, it } from "vitest";
import { SERVER_HEAP_MB, serverNodeFlags } from "./server-flags";

describe("serverNodeFlags", () => {
  it("caps the server's heap unless NODE_OPTIONS already sets a cap", () => {
    expect(serverNodeFlags("")).toEqual([`--max-old-space-size=${SERVER_HEAP_MB}`]);
    expect(serverNodeFlags("--enable-source-maps")).toEqual([`--max-old-space-size=${SERVER_HEAP_MB}`]);
    expect(serverNodeFlags("--max-old-space-size=512")).toEqual([]);
  });
});
