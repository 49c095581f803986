import { describe, expect, it } from "vitest";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";
import { mapStatus } from "./hangup-status";

describe("mapStatus", () => {
  it.each([
    ["ANSWER", "answered", "answered"],
    ["ANSWERED", "answered", "answered"],
    [" answered ", "answered", "answered"],
    ["Answer", "answered", "answered"],
    ["BUSY", "busy", "busy"],
    ["busy", "busy", "busy"],
    ["CANCEL", "cancel", "no answer"],
    ["NOANSWER", "no answered", "no answer"],
    ["NO ANSWER", "no answered", "no answer"],
    ["no answer", "no answered", "no answer"],
    ["FAILED", "failed", "failed"],
    ["CONGESTION", "failed", "failed"],
    ["CHANUNAVAIL", "failed", "failed"],
  ] as const)("%j → %j / %j", (raw, event, upload) => {
    expect(mapStatus(raw)).toEqual({ event, upload, known: true });
  });

  it.each(["", "   ", "DONTCALL", "TORTURE", "INVALIDARGS", "TIMEOUT", "ANSWERX", "no", ...NASTY_STRINGS])(
    "%j is unknown",
    (raw) => {
      expect(mapStatus(raw)).toEqual({ event: "failed", upload: "unknown", known: false });
    },
  );
});
