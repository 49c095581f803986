import { describe, expect, it } from "vitest";
import { callEventBody, callUploadBody } from "./telephony";

describe("telephony bodies", () => {
  it("builds call/event with the uniqueid as callExternalId, hangupStatus only on a hangup", () => {
    expect(callEventBody({ uniqueid: "1.1", type: "in", phone: "+79001234567", codes: ["101"] })).toEqual({
      phone: "+79001234567",
      type: "in",
      codes: ["101"],
      callExternalId: "1.1",
    });
    expect(
      callEventBody({ uniqueid: "1.1", type: "hangup", phone: "+79001234567", codes: [], hangupStatus: "busy" }),
    ).toMatchObject({ type: "hangup", hangupStatus: "busy" });
  });

  it("builds calls/upload from the call's start, talk and wait, leaving out what is not known", () => {
    expect(
      callUploadBody({
        uniqueid: "1.2",
        start: "2026-11-23 11:58:48",
        phone: "89001234567",
        result: "no answer",
        talkSeconds: 0,
        waitSeconds: 12,
      }),
    ).toEqual({
      date: "2026-11-23 11:58:48",
      phone: "89001234567",
      result: "no answer",
      duration: 0,
      durationWaiting: 12,
      externalId: "1.2",
    });
    expect(
      callUploadBody({
        uniqueid: "1.3",
        start: "2026-11-23 12:00:00",
        phone: "89001234567",
        code: "101",
        result: "answered",
        talkSeconds: 65,
        waitSeconds: 0,
        recordUrl: "https://pbx.example/1.wav",
      }),
    ).toMatchObject({ code: "101", recordUrl: "https://pbx.example/1.wav", duration: 65 });
  });
});
