// The calls a real Asterisk's AMI events make (e2e/fixtures/ami-transcripts): who was rung, who
// answered, how long the caller waited and talked, how the call ended.
import { describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { CallTracker, targetOf, TrackerLimitError, type DerivedEvent } from "./tracker";

const START = 1_796_313_000;

function play(scenario: Scenario, steps: Step[]): DerivedEvent[] {
  const tracker = new CallTracker({
    inboundContexts: new Set(["init-channel", "plain-in"]),
    outboundContexts: new Set(["from-manager"]),
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
      // The call's Linkedid beside its key: its first channel's, the trunk's `;1` half.
      {
        type: "in",
        uniqueid: "1796313595.1",
        linkedid: "1796313595.0",
        phone: "89001234567",
        code: "103",
        date: at(0),
      },
      {
        type: "hangup",
        uniqueid: "1796313595.1",
        linkedid: "1796313595.0",
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

  it("takes the company's number a call came in on from the extension its channel was born at", () => {
    // The test PBX's trunk context plain-in takes calls to 202 (its DID); init-channel is entered at s.
    const busy = play("direct-busy", [{ matches: when("DialEnd"), seconds: 1 }]);
    expect(busy.map((e) => [e.type, e.externalPhone])).toEqual([
      ["in", "202"],
      ["hangup", "202"],
    ]);
    const known = play("incoming-known-direct-answered", [{ matches: when("Hangup"), seconds: 1 }]);
    expect(known.every((e) => e.externalPhone === undefined)).toBe(true);
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
      {
        type: "out",
        uniqueid: "1796313631.11",
        linkedid: "1796313631.10",
        phone: "89001234567",
        code: "103",
        date: at(0),
      },
      expect.objectContaining({
        type: "hangup",
        uniqueid: "1796313631.11",
        linkedid: "1796313631.10",
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
    expect(click.map((e) => [e.type, e.uniqueid, e.linkedid, e.phone, e.code])).toEqual([
      ["out", "crm-1796313707213-2a5d1cdc", "crm-1796313707213-2a5d1cdc", "89005556677", "103"],
      ["hangup", "crm-1796313707213-2a5d1cdc", "crm-1796313707213-2a5d1cdc", "89005556677", "103"],
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

describe("an attended transfer (no recording of one: the events as Asterisk documents them)", () => {
  it("joins the consultation call to the caller's and gives the call to the manager transferred to", () => {
    const tracker = new CallTracker({
      inboundContexts: new Set(["from-trunk"]),
      outboundContexts: new Set(["from-internal"]),
      extensions: new Set(["103", "105"]),
    });
    const t = (seconds: number) => ({ Timestamp: String(START + seconds) });
    const channel = (name: string, uniqueid: string, linkedid: string, extra: Record<string, string> = {}) => ({
      Channel: name,
      Uniqueid: uniqueid,
      Linkedid: linkedid,
      ...extra,
    });
    const events = [
      {
        Event: "Newchannel",
        ...channel("PJSIP/trunk-00000001", "A.1", "A.1", {
          Context: "from-trunk",
          ChannelState: "4",
          CallerIDNum: "89001234567",
        }),
        ...t(0),
      },
      {
        Event: "DialBegin",
        ...channel("PJSIP/trunk-00000001", "A.1", "A.1", { CallerIDNum: "89001234567" }),
        DestChannel: "PJSIP/103-00000002",
        DialString: "103",
        ...t(0),
      },
      {
        Event: "DialEnd",
        ...channel("PJSIP/trunk-00000001", "A.1", "A.1"),
        DestChannel: "PJSIP/103-00000002",
        DialString: "103",
        DialStatus: "ANSWER",
        ...t(3),
      },
      // 103 consults 105 on a second call of its own, then completes the transfer.
      {
        Event: "Newchannel",
        ...channel("PJSIP/103-00000003", "B.1", "B.1", {
          Context: "from-internal",
          ChannelState: "4",
          CallerIDNum: "103",
        }),
        ...t(10),
      },
      {
        Event: "DialBegin",
        ...channel("PJSIP/103-00000003", "B.1", "B.1", { CallerIDNum: "103" }),
        DestChannel: "PJSIP/105-00000004",
        DialString: "105",
        ...t(10),
      },
      {
        Event: "AttendedTransfer",
        Result: "Success",
        OrigTransfererLinkedid: "A.1",
        SecondTransfererLinkedid: "B.1",
        TransfereeLinkedid: "A.1",
        TransferTargetLinkedid: "B.1",
        TransferTargetChannel: "PJSIP/105-00000004",
        ...t(20),
      },
      { Event: "Hangup", ...channel("PJSIP/trunk-00000001", "A.1", "A.1"), ...t(50) },
    ];
    const derived = events.flatMap((event) => tracker.handle(event, 0));
    expect(derived.map((e) => [e.type, e.code])).toEqual([
      ["in", "103"],
      ["hangup", "105"],
    ]);
    expect(derived[1]).toMatchObject({ status: "ANSWER", hold: 3, duration: 47 });
  });
});

describe("what a PBX can make the tracker hold", () => {
  const settings = {
    inboundContexts: new Set(["init-channel"]),
    outboundContexts: new Set(["from-internal"]),
    extensions: new Set(["102", "103"]),
  };
  /** A channel of some other conversation on the PBX, never part of a call with a customer. */
  const other = (n: number) => ({
    Event: "Newchannel",
    Channel: `PJSIP/201-${n}`,
    ChannelState: "0",
    Context: "internal",
    Exten: "202",
    CallerIDNum: "201",
    Uniqueid: `1600000000.${n}`,
    Linkedid: `1600000000.${n}`,
  });

  it("tells routing of an incoming caller once, as soon as the number is known, and who talks on a call", () => {
    // What the «API» tab's user gets of the recording: a Local trunk, whose `;2` half is born without the number.
    const product = (linkedid: string) =>
      transcriptEvents("setvar-callerid-before-dial.read-all").filter(
        (event) =>
          ["Newchannel", "DialBegin", "DialEnd", "Hangup"].includes(event.Event!) &&
          (event.Linkedid ?? event.DestLinkedid) === linkedid,
      );
    const tracker = new CallTracker({
      inboundContexts: new Set(["inbound-setvar"]),
      outboundContexts: new Set(),
      extensions: new Set(["103"]),
    });
    const told: string[] = [];
    for (const event of product("1796588231.6")) {
      tracker.handle(event, 0);
      for (const arrival of tracker.takeArrivals())
        told.push(`${event.Event} of ${event.DestChannel}: ${JSON.stringify(arrival)}`);
      if (event.Event === "DialEnd" && event.DialStatus === "ANSWER" && event.Channel) {
        expect(tracker.onCall("103")).toBe(true);
        expect(tracker.callState("1796588231.7")).toEqual({ answered: true, rung: ["103"] });
      }
    }
    // The trunk's `;1` (the very first event this tracker saw) is dialled with the number: before the PBX's own Dial.
    expect(told).toEqual([
      'DialBegin of Local/s@inbound-setvar-00000003;1: {"key":"1796588231.7","channel":"Local/s@inbound-setvar-00000003;2","phone":"84950000001"}',
    ]);
    expect(tracker.onCall("103")).toBe(false);
    expect(tracker.callState("1796588231.7")).toBeUndefined();

    // A trunk whose channel has the number when it is made (PJSIP): told at its Newchannel.
    tracker.handle(
      {
        Event: "Newchannel",
        Channel: "PJSIP/trunk-00000001",
        ChannelState: "4",
        CallerIDNum: "89001234567",
        Context: "inbound-setvar",
        Exten: "74951234567",
        Uniqueid: "S.1",
        Linkedid: "S.1",
      },
      0,
    );
    expect(tracker.takeArrivals()).toEqual([
      { key: "S.1", channel: "PJSIP/trunk-00000001", phone: "89001234567", externalPhone: "74951234567" },
    ]);
    // A call taken up after a restart may have been routed before it: never told again.
    const after = new CallTracker({
      inboundContexts: new Set(["inbound-setvar"]),
      outboundContexts: new Set(),
      extensions: new Set(["103"]),
    });
    after.takeUp(
      [
        {
          Event: "CoreShowChannel",
          Channel: "PJSIP/trunk-00000002",
          ChannelState: "6",
          CallerIDNum: "89001234567",
          Context: "inbound-setvar",
          Uniqueid: "S.2",
          Linkedid: "S.2",
          Application: "Queue",
          Duration: "00:00:05",
        },
      ],
      0,
    );
    expect(after.callState("S.2")).toEqual({ answered: false, rung: [] });
    after.handle({ Event: "DialBegin", Channel: "PJSIP/trunk-00000002", Uniqueid: "S.2", Linkedid: "S.2" }, 0);
    expect(after.takeArrivals()).toEqual([]);
  });

  it("refuses more channels or calls than its limits, and holds what it had", () => {
    const tracker = new CallTracker(settings, { channels: 100, calls: 5 });
    for (let n = 0; n < 100; n++) tracker.handle(other(n), 0);
    expect(() => tracker.handle(other(100), 0)).toThrow(TrackerLimitError);
    const calls = new CallTracker(settings, { channels: 100, calls: 5 });
    const incoming = (n: number) => ({ ...other(n), Context: "init-channel", ChannelState: "4" });
    for (let n = 0; n < 5; n++) calls.handle(incoming(n), 0);
    expect(calls.activeCalls).toBe(5);
    expect(() => calls.handle(incoming(5), 0)).toThrow(/more than 5 calls at once/);
    // A channel that hangs up makes room again.
    calls.handle({ Event: "Hangup", Uniqueid: "1600000000.0" }, 0);
    expect(calls.activeCalls).toBe(4);
    expect(() => calls.handle(incoming(6), 0)).not.toThrow();
  });

  it("does the same work per event however many channels are up", () => {
    const tracker = new CallTracker(settings);
    // The other channels come first (the sweep of stale calls runs every ten minutes from the first event: not here).
    for (let n = 0; n < 4_000; n++) tracker.handle(other(n), START * 1000);
    const events = timed(
      transcriptEvents("incoming-known-direct-answered"),
      [{ matches: when("Hangup"), seconds: 3 }],
      START,
    );
    // Walking a collection as big as the channels up would make each event cost as much as all of them.
    const methods = ["values", "keys", "entries", "forEach", Symbol.iterator] as const;
    const originals = methods.map((method) => Map.prototype[method] as (...args: unknown[]) => unknown);
    const walked: number[] = [];
    methods.forEach((method, i) =>
      Object.defineProperty(Map.prototype, method, {
        configurable: true,
        writable: true,
        value(this: Map<unknown, unknown>, ...args: unknown[]) {
          walked.push(this.size);
          return originals[i]!.apply(this, args);
        },
      }),
    );
    let derived: DerivedEvent[];
    try {
      derived = events.flatMap((event) => tracker.handle(event, 0));
    } finally {
      methods.forEach((method, i) =>
        Object.defineProperty(Map.prototype, method, { configurable: true, writable: true, value: originals[i] }),
      );
    }
    expect(derived.map((event) => event.type)).toEqual(["in", "hangup"]);
    expect(Math.max(0, ...walked)).toBeLessThan(100);
  });
});
