// Setvar, Redirect and ExtensionState answered as a real Asterisk 22 answered them (the recordings
// setvar-callerid-before-dial, redirect-from-queue, redirect-bridged-call-refused and
// device-and-extension-state in e2e/fixtures/ami-transcripts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_FILTERS } from "@/lib/asterisk/snippets/ami-config";
import { type AsteriskSim, createAsteriskSim } from "./index";
import { RawAmi } from "./testkit";

// The «API» tab's AMI-mode user without and with write = call, one reading everything, and one
// with neither call nor reporting (the recording's asterisk5).
const product = {
  username: "asterisk",
  secret: "s1",
  read: "call,agent,dialplan",
  write: "originate,agent,reporting",
  eventFilters: EVENT_FILTERS,
};
const routing = { ...product, username: "router", write: "originate,agent,reporting,call" };
// The observer reads what the recording's read = all observer read of these classes (no system: no FullyBooted).
const events = { username: "events", secret: "s3", read: "call,agent,dialplan", write: "all" };
const noReporting = { username: "asterisk5", secret: "s5", read: "agent,dialplan", write: "originate,agent" };

const caller = "Local/s@inbound-setvar-00000003;2";
const channel = (name: string, uniqueid: string, extra: Record<string, string> = {}) => ({
  Event: "Newchannel",
  Privilege: "call,all",
  Channel: name,
  ChannelState: "4",
  ChannelStateDesc: "Ring",
  CallerIDNum: "84950000001",
  CallerIDName: "<unknown>",
  Context: "inbound-setvar",
  Exten: "s",
  Priority: "1",
  Uniqueid: uniqueid,
  Linkedid: "1796588231.6",
  ...extra,
});

let sim: AsteriskSim;
let port: number;

beforeAll(async () => {
  sim = await createAsteriskSim({
    users: [product, routing, events, noReporting],
    httpPort: null,
    hints: [
      { context: "managers", exten: "103", hint: "Local/103@managers" },
      { context: "managers-custom", exten: "104", hint: "Custom:104" },
    ],
  });
  port = sim.tcpPort ?? 0;
});
afterAll(() => sim.close());

describe("Setvar", () => {
  it("is denied without write = call, sets the caller's name with it, and tells those who read call events", async () => {
    sim.replay([channel(caller, "1796588231.7")]);
    const denied = await RawAmi.login(port, product);
    const allowed = await RawAmi.login(port, routing);
    const watcher = await RawAmi.login(port, events, "Events: on\r\n");
    const setvar = `Action: Setvar\r\nActionID: setvar-B\r\nChannel: ${caller}\r\nVariable: CALLERID(name)\r\nValue: Иван Петров\r\n\r\n`;
    denied.send(setvar);
    expect(await denied.block()).toBe("Response: Error\r\nActionID: setvar-B\r\nMessage: Permission denied\r\n\r\n");
    allowed.send(setvar);
    expect(await allowed.block()).toBe("Response: Success\r\nActionID: setvar-B\r\nMessage: Variable Set\r\n\r\n");
    expect(await watcher.block()).toMatch(
      /^Event: NewCallerid\r\nPrivilege: call,all\r\nChannel: Local\/s@inbound-setvar-00000003;2\r\n(.*\r\n)*CallerIDNum: 84950000001\r\nCallerIDName: Иван Петров\r\n/,
    );
    allowed.send(`Action: Getvar\r\nActionID: getvar-B-0\r\nChannel: ${caller}\r\nVariable: CALLERID(all)\r\n\r\n`);
    expect(await allowed.block()).toBe(
      'Response: Success\r\nActionID: getvar-B-0\r\nVariable: CALLERID(all)\r\nValue: "Иван Петров" <84950000001>\r\n\r\n',
    );
    // The product's event filter lets no NewCallerid through.
    expect(await allowed.quiet(50)).toBe("");
    allowed.send("Action: Setvar\r\nChannel: PJSIP/none-00000009\r\nVariable: CALLERID(name)\r\nValue: x\r\n\r\n");
    expect(await allowed.block()).toBe("Response: Error\r\nMessage: No such channel\r\n\r\n");
    allowed.send(`Action: Setvar\r\nChannel: ${caller}\r\nValue: x\r\n\r\n`);
    expect(await allowed.block()).toBe("Response: Error\r\nMessage: No variable specified\r\n\r\n");
    sim.replay([{ Event: "Hangup", Privilege: "call,all", Channel: caller, Uniqueid: "1796588231.7" }]);
    for (const ami of [denied, allowed, watcher]) ami.close();
  });
});

describe("Redirect", () => {
  it("is denied without write = call, moves a caller that is not bridged, and names a channel that is not there", async () => {
    const queued = "Local/s@inbound-queue-00000004;2";
    sim.replay([channel(queued, "1796588376.9", { Context: "inbound-queue" })]);
    const redirect = `Action: Redirect\r\nActionID: redirect-A\r\nChannel: ${queued}\r\nContext: to-manager\r\nExten: 103\r\nPriority: 1\r\n\r\n`;
    const denied = await RawAmi.login(port, product);
    denied.send(redirect);
    expect(await denied.block()).toBe("Response: Error\r\nActionID: redirect-A\r\nMessage: Permission denied\r\n\r\n");
    const allowed = await RawAmi.login(port, routing);
    allowed.send(redirect);
    expect(await allowed.block()).toBe(
      "Response: Success\r\nActionID: redirect-A\r\nMessage: Redirect successful\r\n\r\n",
    );
    allowed.send("Action: CoreShowChannels\r\nActionID: l\r\n\r\n");
    await allowed.block();
    expect(await allowed.block()).toMatch(
      /Channel: Local\/s@inbound-queue-00000004;2\r\n(.*\r\n)*Context: to-manager\r\nExten: 103\r\n/,
    );
    await allowed.block();
    for (const [headers, message] of [
      [
        "Channel: Local/s@inbound-queue-00000099;2\r\nContext: a\r\nExten: 1\r\nPriority: 1",
        "Channel does not exist: Local/s@inbound-queue-00000099;2",
      ],
      [`Context: a\r\nExten: 1\r\nPriority: 1`, "Channel not specified"],
      [`Channel: ${queued}\r\nExten: 1\r\nPriority: 1`, "Context not specified"],
      [`Channel: ${queued}\r\nContext: a\r\nExten: 1\r\nPriority: 0`, "Priority is invalid"],
    ]) {
      allowed.send(`Action: Redirect\r\n${headers}\r\n\r\n`);
      expect(await allowed.block()).toBe(`Response: Error\r\nMessage: ${message}\r\n\r\n`);
    }
    sim.replay([{ Event: "Hangup", Privilege: "call,all", Channel: queued, Uniqueid: "1796588376.9" }]);
    denied.close();
    allowed.close();
  });

  it("of a bridged caller is accepted all the same and ends the conversation: the manager's legs hang up", async () => {
    const direct = "Local/s@inbound-direct-00000022;2";
    const bridge = { Event: "BridgeEnter", Privilege: "call,all", BridgeUniqueid: "b-1" };
    sim.replay([
      channel(direct, "1796588620.69", { Context: "inbound-direct", Linkedid: "1796588620.68" }),
      channel("Local/103@managers-00000023;1", "1796588621.70", { ChannelState: "6", Linkedid: "1796588620.68" }),
      channel("Local/103@managers-00000023;2", "1796588621.71", { ChannelState: "6", Linkedid: "1796588620.68" }),
      { ...bridge, Channel: direct, Uniqueid: "1796588620.69" },
      { ...bridge, Channel: "Local/103@managers-00000023;1", Uniqueid: "1796588621.70" },
    ]);
    const ami = await RawAmi.login(port, routing, "Events: on\r\n");
    ami.send(
      `Action: Redirect\r\nActionID: redirect-A\r\nChannel: ${direct}\r\nContext: inbound-hold\r\nExten: s\r\nPriority: 1\r\n\r\n`,
    );
    expect(await ami.block()).toBe("Response: Success\r\nActionID: redirect-A\r\nMessage: Redirect successful\r\n\r\n");
    for (const leg of ["Local/103@managers-00000023;1", "Local/103@managers-00000023;2"])
      expect(await ami.block()).toMatch(
        new RegExp(
          `^Event: Hangup\\r\\nPrivilege: call,all\\r\\nChannel: ${leg.replace(/[/;]/g, "\\$&")}\\r\\n(.*\\r\\n)*Cause: 16\\r\\n`,
        ),
      );
    sim.replay([{ Event: "Hangup", Privilege: "call,all", Channel: direct, Uniqueid: "1796588620.69" }]);
    ami.close();
  });
});

describe("ExtensionState", () => {
  it("answers a hint's state with write = reporting, -1 Unknown without a hint, and is denied with neither call nor reporting", async () => {
    const ami = await RawAmi.login(port, product);
    ami.send("Action: ExtensionState\r\nActionID: idle-es103-1\r\nExten: 103\r\nContext: managers\r\n\r\n");
    expect(await ami.block()).toBe(
      "Response: Success\r\nActionID: idle-es103-1\r\nMessage: Extension Status\r\nExten: 103\r\nContext: managers\r\nHint: Local/103@managers\r\nStatus: 0\r\nStatusText: Idle\r\n\r\n",
    );
    ami.send("Action: ExtensionState\r\nActionID: idle-es102-3\r\nExten: 102\r\nContext: managers-noanswer\r\n\r\n");
    expect(await ami.block()).toBe(
      "Response: Success\r\nActionID: idle-es102-3\r\nMessage: Extension Status\r\nExten: 102\r\nContext: managers-noanswer\r\nHint: \r\nStatus: -1\r\nStatusText: Unknown\r\n\r\n",
    );
    const refused = await RawAmi.login(port, noReporting);
    refused.send("Action: ExtensionState\r\nActionID: idle-a5-es103-7\r\nExten: 103\r\nContext: managers\r\n\r\n");
    expect(await refused.block()).toBe(
      "Response: Error\r\nActionID: idle-a5-es103-7\r\nMessage: Permission denied\r\n\r\n",
    );
    ami.close();
    refused.close();
  });

  it("follows ExtensionStatus: sent to those who read call events unfiltered, then answered by ExtensionState", async () => {
    const watcher = await RawAmi.login(port, events, "Events: on\r\n");
    const filtered = await RawAmi.login(port, routing, "Events: on\r\n");
    sim.setExtensionState("104", "managers-custom", 8);
    expect(await watcher.block()).toBe(
      "Event: ExtensionStatus\r\nPrivilege: call,all\r\nExten: 104\r\nContext: managers-custom\r\nHint: Custom:104\r\nStatus: 8\r\nStatusText: Ringing\r\n\r\n",
    );
    expect(await filtered.quiet(50)).toBe("");
    sim.setExtensionState("104", "managers-custom", 1);
    filtered.send("Action: ExtensionState\r\nActionID: e\r\nExten: 104\r\nContext: managers-custom\r\n\r\n");
    expect(await filtered.block()).toBe(
      "Response: Success\r\nActionID: e\r\nMessage: Extension Status\r\nExten: 104\r\nContext: managers-custom\r\nHint: Custom:104\r\nStatus: 1\r\nStatusText: InUse\r\n\r\n",
    );
    sim.setExtensionState("104", "managers-custom", 0);
    watcher.close();
    filtered.close();
  });
});
