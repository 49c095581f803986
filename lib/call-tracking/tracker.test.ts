// The calls a real Asterisk's AMI events make (e2e/fixtures/ami-transcripts): who was rung, who
// answered, how long the caller waited and talked, how the call ended.
import { describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { CallTracker, targetOf, type DerivedEvent } from "./tracker";

const START = 1_796_313_000;

function play(scenario: Scenario, steps: Step[]): DerivedEvent[] {
  const tracker = new CallTracker({
    inboundContexts: new Set(["init-channel", "plain-in"]),
    extensions: new Set(["102", "103", "105"]),
  });
  return timed(transcriptEvents(scenario), steps, START).flatMap((event) => tracker.handle(event, 0));
}

const at = (seconds: number) => new Date((START + seconds) * 1000).toISOString().slice(0, 19).replace("T", " ");

describe("calls derived from a real Asterisk's events", () => {
  it("a known caller put through to one manager who answers", () => {
    const events = play("incoming-known-direct-answered", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
      { matches: when("Hangup"), seconds: 3 },
    ]);
    expect(events).toEqual([
      { type: "in", uniqueid: "1796313595.1", phone: "89001234567", code: "103", date: at(0) },
      {
        type: "hangup",
        uniqueid: "1796313595.1",
        phone: "89001234567",
        code: "103",
        status: "ANSWER",
        hold: 4,
        duration: 3,
        direct: "in",
        date: at(7),
        recordingFile: "/var/spool/asterisk/monitor/2026-12-03/1796313595.1.wav",
      },
    ]);
  });

  it("a queue whose first agent does not answer and whose second does", () => {
    const events = play("incoming-unknown-queue-second-agent-answers", [
      { matches: when("AgentRingNoAnswer"), seconds: 4 },
      { matches: when("AgentConnect"), seconds: 1 },
      { matches: when("AgentComplete"), seconds: 3 },
    ]);
    expect(events.map((e) => [e.type, e.code])).toEqual([
      ["in", "102"],
      ["in", "103"],
      ["hangup", "103"],
    ]);
    expect(events[2]).toMatchObject({ phone: "84950000001", status: "ANSWER", hold: 5, duration: 3, direct: "in" });
  });

  it("a ring-all dial answered by the second phone", () => {
    const events = play("ring-all-second-answers", [
      { matches: when("DialEnd", { DialStatus: "CANCEL" }), seconds: 2 },
      { matches: when("Hangup", { Cause: "16" }), seconds: 5 },
    ]);
    expect(events.map((e) => [e.type, e.code])).toEqual([
      ["in", "102"],
      ["in", "103"],
      ["hangup", "103"],
    ]);
    expect(events[2]).toMatchObject({ status: "ANSWER", hold: 2, duration: 5 });
  });

  it("a manager who does not answer, and one who is busy", () => {
    const noAnswer = play("direct-no-answer", [{ matches: when("DialEnd"), seconds: 5 }]);
    expect(noAnswer.at(-1)).toMatchObject({ type: "hangup", code: "102", status: "NOANSWER", hold: 5, duration: 0 });
    const busy = play("direct-busy", [{ matches: when("DialEnd"), seconds: 1 }]);
    expect(busy.at(-1)).toMatchObject({ type: "hangup", code: "102", status: "BUSY", hold: 1, duration: 0 });
  });

  it("a blind transfer keeps the call and the manager who answered it", () => {
    const events = play("blind-transfer", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 2 },
      { matches: when("BlindTransfer"), seconds: 6 },
    ]);
    expect(events.map((e) => [e.type, e.code, e.uniqueid])).toEqual([
      ["in", "103", "1796313789.41"],
      ["hangup", "103", "1796313789.41"],
    ]);
    expect(events[1]).toMatchObject({ status: "ANSWER", hold: 2, duration: 6 });
  });

  it("a manager calling a customer, and a click-to-call the service placed", () => {
    const outgoing = play("outgoing-answered", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 3 },
      { matches: when("Hangup"), seconds: 2 },
    ]);
    expect(outgoing).toEqual([
      { type: "out", uniqueid: "1796313631.11", phone: "89001234567", code: "103", date: at(0) },
      expect.objectContaining({
        type: "hangup",
        uniqueid: "1796313631.11",
        code: "103",
        status: "ANSWER",
        hold: 3,
        duration: 2,
        direct: "out",
      }),
    ]);
    const click = play("click-to-call-originate", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
      { matches: when("Hangup"), seconds: 2 },
    ]);
    expect(click.map((e) => [e.type, e.uniqueid, e.phone, e.code])).toEqual([
      ["out", "crm-1796313707213-2a5d1cdc", "89005556677", "103"],
      ["hangup", "crm-1796313707213-2a5d1cdc", "89005556677", "103"],
    ]);
  });
});

describe("targetOf", () => {
  it("reads the extension or number out of dial strings, channels and queue members", () => {
    expect(targetOf("PJSIP/103-00000001")).toBe("103");
    expect(targetOf("SIP/103-0000abcd")).toBe("103");
    expect(targetOf("Local/102@managers-0000000c;1")).toBe("102");
    expect(targetOf("102@managers-noanswer")).toBe("102");
    expect(targetOf("Local/103@managers/n")).toBe("103");
    expect(targetOf("trunk/89001234567")).toBe("89001234567");
    expect(targetOf("89001234567@customers")).toBe("89001234567");
  });
});
