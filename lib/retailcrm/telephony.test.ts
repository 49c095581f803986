import { describe, expect, it } from "vitest";
import { callEventBody, callUploadBody, type StoredCall, type StoredEvent } from "./telephony";

const call: StoredCall = {
  uniqueid: "1.1",
  direction: "IN",
  startedAt: new Date("2026-11-23T08:58:48Z"),
  timeZone: "Europe/Moscow",
  extension: null,
};
const links = { announced: "https://bridge.example/recordings/c1/sig" };

describe("call/event from a stored event", () => {
  it("sends the codes an incoming call names, or every mapped extension when it names none", () => {
    const event: StoredEvent = { type: "IN", phone: "+79001234567", codes: ["101"] };
    expect(callEventBody(call, event, ["101", "102"])).toEqual({
      phone: "+79001234567",
      type: "in",
      codes: ["101"],
      callExternalId: "1.1",
    });
    expect(callEventBody(call, { ...event, codes: [] }, ["101", "102"]).codes).toEqual(["101", "102"]);
  });

  it("adds hangupStatus to a hangup only, mapped from the dialplan's status", () => {
    const hangup: StoredEvent = { type: "HANGUP", phone: "+79001234567", codes: ["101"], status: "BUSY" };
    expect(callEventBody(call, hangup, [])).toMatchObject({ type: "hangup", codes: ["101"], hangupStatus: "busy" });
    expect(callEventBody(call, { type: "OUT", phone: "+7900", codes: [] }, ["101"])).not.toHaveProperty("hangupStatus");
  });

  it("names the manager a click rang when an event of that call names none", () => {
    const click = { ...call, uniqueid: "crm-1764000000000-0123abcd", extension: "104" };
    expect(callEventBody(click, { type: "HANGUP", phone: "+7900", codes: [] }, []).codes).toEqual(["104"]);
    expect(
      callEventBody({ ...click, uniqueid: "1.9" }, { type: "HANGUP", phone: "+7900", codes: [] }, []).codes,
    ).toEqual([]);
  });
});

describe("calls/upload from a stored call and its hangup", () => {
  it("dates the call at its start, in the CRM's time zone, and leaves out what is not known", () => {
    expect(
      callUploadBody(call, { type: "HANGUP", phone: "89001234567", codes: [], status: "NOANSWER", hold: 12 }, links),
    ).toEqual({
      date: "2026-11-23 11:58:48",
      type: "in",
      phone: "89001234567",
      result: "no answer",
      duration: 0,
      durationWaiting: 12,
      externalId: "1.1",
    });
    const hangup: StoredEvent = { type: "HANGUP", phone: "89001234567", codes: [] };
    expect(callUploadBody({ ...call, timeZone: "Asia/Vladivostok" }, hangup, links).date).toBe("2026-11-23 18:58:48");
  });

  it("links the PBX's own recording first, then the one uploaded, then the one announced", () => {
    const hangup: StoredEvent = { type: "HANGUP", phone: "8900", codes: ["101"], status: "ANSWER", duration: 65 };
    const out = { ...call, direction: "OUT" as const };
    expect(
      callUploadBody(out, { ...hangup, path: "https://pbx.example/1.wav" }, { ...links, uploaded: "u" }),
    ).toMatchObject({ type: "out", code: "101", recordUrl: "https://pbx.example/1.wav", duration: 65 });
    expect(callUploadBody(out, { ...hangup, recording: "upload" }, { ...links, uploaded: "u" }).recordUrl).toBe("u");
    expect(callUploadBody(out, { ...hangup, recording: "upload" }, links).recordUrl).toBe(links.announced);
    expect(callUploadBody(out, hangup, links)).not.toHaveProperty("recordUrl");
  });
});
