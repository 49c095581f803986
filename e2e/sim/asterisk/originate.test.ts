import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AsteriskSim, createAsteriskSim, type OriginateOutcome } from "./index";
import { ALL_USERS, RawAmi, USERS } from "./testkit";

const ORIGINATE =
  "Action: Originate\r\nActionID: o1\r\nChannel: PJSIP/101\r\nContext: from-internal\r\nExten: 0501234567\r\nPriority: 1\r\n" +
  'CallerID: "CRM" <101>\r\nTimeout: 30000\r\nVariable: CRM_CALL_ID=42\r\nVariable: DIRECTION=out\r\nAsync: true\r\n\r\n';

describe("Originate (spec §1.7)", () => {
  let sim: AsteriskSim;
  let port: number;

  beforeAll(async () => {
    sim = await createAsteriskSim({
      users: ALL_USERS,
      httpPort: null,
      originate: { delayMs: 30 },
      dialplan: [{ context: "from-internal", extens: ["101", "_0X."] }, { context: "any" }],
    });
    port = sim.tcpPort ?? 0;
  });
  afterAll(() => sim.close());

  it("queues an async originate at once and broadcasts OriginateResponse to every session reading call events", async () => {
    sim.setOriginateOutcome("answer", 30);
    const ami = await RawAmi.login(port, USERS.crm, "Events: on\r\n");
    await ami.block();
    const listener = await RawAmi.login(port, USERS.listener, "");
    const eventsOff = await RawAmi.login(port, USERS.crm, "Events: off\r\n");
    const before = sim.originates.length;
    ami.send(ORIGINATE);
    expect(await ami.block()).toBe(
      "Response: Success\r\nActionID: o1\r\nMessage: Originate successfully queued\r\n\r\n",
    );
    const expected =
      /^Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: o1\r\nResponse: Success\r\nChannel: PJSIP\/101-([0-9a-f]{8})\r\nContext: from-internal\r\nExten: 0501234567\r\nReason: 4\r\nUniqueid: (\d+\.\d+)\r\nCallerIDNum: 101\r\nCallerIDName: CRM\r\n\r\n$/;
    const event = await ami.block();
    expect(event).toMatch(expected);
    expect(await listener.block()).toBe(event);
    eventsOff.send("Action: Ping\r\nActionID: after\r\n\r\n");
    expect(await eventsOff.block()).toMatch(/^Response: Success\r\nActionID: after\r\n/);

    const uniqueid = expected.exec(event)?.[2];
    expect(sim.originates.slice(before)).toEqual([
      {
        at: expect.any(Number),
        transport: "tcp",
        username: "crm",
        actionId: "o1",
        headers: expect.objectContaining({
          channel: "PJSIP/101",
          callerid: '"CRM" <101>',
          async: "true",
          variable: "CRM_CALL_ID=42",
        }),
        variables: ["CRM_CALL_ID=42", "DIRECTION=out"],
        async: true,
        outcome: "answer",
        uniqueid,
      },
    ]);
    for (const client of [ami, listener, eventsOff]) client.close();
  });

  it.each<[OriginateOutcome, number]>([
    ["busy", 5],
    ["noanswer", 3],
    ["congestion", 8],
    ["failed", 0],
  ])(
    "reports %s as Response: Failure with Reason %i, the requested channel and <unknown> ids",
    async (outcome, reason) => {
      sim.setOriginateOutcome(outcome, 10);
      const ami = await RawAmi.login(port, USERS.crm, "Events: call\r\n");
      ami.send(
        "Action: Originate\r\nActionID: o2\r\nChannel: PJSIP/102\r\nContext: from-internal\r\nExten: 0501234567\r\nPriority: 1\r\nAsync: yes\r\n\r\n",
      );
      expect(await ami.block()).toBe(
        "Response: Success\r\nActionID: o2\r\nMessage: Originate successfully queued\r\n\r\n",
      );
      expect(await ami.block()).toBe(
        "Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: o2\r\nResponse: Failure\r\nChannel: PJSIP/102\r\n" +
          `Context: from-internal\r\nExten: 0501234567\r\nReason: ${reason}\r\nUniqueid: <unknown>\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n\r\n`,
      );
      expect(sim.originates.at(-1)).toMatchObject({ outcome, uniqueid: "<unknown>" });
      ami.close();
    },
  );

  it("reports Application/Data instead of Context/Exten, a plain-number CallerID and a forced ChannelId", async () => {
    sim.setOriginateOutcome("answer", 10);
    const ami = await RawAmi.login(port, USERS.crm, "Events: on\r\n");
    await ami.block();
    ami.send(
      "Action: Originate\r\nChannel: Local/101@from-internal/n\r\nApplication: Playback\r\nData: hello-world\r\nCallerID: 0501 234-567\r\nChannelId: my-call-1\r\nAsync: 1\r\n\r\n",
    );
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Originate successfully queued\r\n\r\n");
    expect(await ami.block()).toMatch(
      /^Event: OriginateResponse\r\nPrivilege: call,all\r\nResponse: Success\r\nChannel: Local\/101@from-internal-[0-9a-f]{8};1\r\nApplication: Playback\r\nData: hello-world\r\nReason: 4\r\nUniqueid: my-call-1\r\nCallerIDNum: 0501234567\r\nCallerIDName: <unknown>\r\n\r\n$/,
    );
    ami.close();
  });

  it("blocks a synchronous originate until the outcome, then answers success or Originate failed", async () => {
    sim.setOriginateOutcome("answer", 150);
    const ami = await RawAmi.login(port, USERS.crm, "Events: on\r\n");
    await ami.block();
    const started = Date.now();
    ami.send(
      "Action: Originate\r\nActionID: s1\r\nChannel: PJSIP/101\r\nContext: from-internal\r\nExten: 101\r\nPriority: 1\r\n\r\nAction: Ping\r\nActionID: queued\r\n\r\n",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    sim.emitEvent({ Event: "Newchannel", Channel: "PJSIP/101-00000099" });
    expect(await ami.block()).toBe(
      "Response: Success\r\nActionID: s1\r\nMessage: Originate successfully queued\r\n\r\n",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await ami.block()).toMatch(/^Event: Newchannel\r\n/);
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: queued\r\nPing: Pong/);

    sim.setOriginateOutcome("busy", 20);
    ami.send(
      "Action: Originate\r\nActionID: s2\r\nChannel: PJSIP/101\r\nApplication: Playback\r\nData: tt-monkeys\r\n\r\n",
    );
    expect(await ami.block()).toBe("Response: Error\r\nActionID: s2\r\nMessage: Originate failed\r\n\r\n");
    expect(sim.originates.at(-1)).toMatchObject({ async: false, outcome: "busy" });
    ami.send("Action: Ping\r\nActionID: no-event\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: no-event\r\n/);
    ami.close();
  });

  it("denies Originate without the originate write class", async () => {
    const ami = await RawAmi.login(port, USERS.noOriginate);
    ami.send(ORIGINATE);
    expect(await ami.block()).toBe("Response: Error\r\nActionID: o1\r\nMessage: Permission denied\r\n\r\n");
    ami.close();
  });

  it.each([
    ["Channel not specified", "Context: from-internal\r\nExten: 101\r\nPriority: 1"],
    ["Invalid channel", "Channel: PJSIP101\r\nContext: from-internal\r\nExten: 101\r\nPriority: 1"],
    ["Invalid timeout", "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 101\r\nPriority: 1\r\nTimeout: soon"],
    ["Invalid priority", "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 101\r\nPriority: start"],
    [
      "Extension does not exist.",
      "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 999\r\nPriority: 1\r\nAsync: true",
    ],
    ["Extension does not exist.", "Channel: PJSIP/101\r\nContext: nowhere\r\nExten: 101\r\nPriority: 1"],
    [
      "Originate with 'Exten' requires 'Context' and 'Priority'",
      "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 101",
    ],
    [
      "Originate Access Forbidden: app or data blacklisted",
      "Channel: PJSIP/101\r\nApplication: System\r\nData: rm -rf /",
    ],
    [
      "Originate Access Forbidden: app or data blacklisted",
      "Channel: PJSIP/101\r\nApplication: NoOp\r\nData: ${SHELL(id)}",
    ],
    [
      "Originate Access Forbidden: app or data blacklisted",
      "Channel: PJSIP/101\r\nApplication: Queue\r\nData: support,t,,,60,evil.agi",
    ],
  ])("rejects with %j", async (message, headers) => {
    const ami = await RawAmi.login(port, USERS.reporter);
    const before = sim.originates.length;
    ami.send(`Action: Originate\r\nActionID: v\r\n${headers}\r\n\r\n`);
    expect(await ami.block()).toBe(`Response: Error\r\nActionID: v\r\nMessage: ${message}\r\n\r\n`);
    expect(sim.originates.length).toBe(before);
    ami.close();
  });

  it("lets system write use blacklisted applications, matches extension patterns and queues async originates without a priority", async () => {
    sim.setOriginateOutcome("answer", 10);
    const ami = await RawAmi.login(port, USERS.crm);
    for (const headers of [
      "Channel: PJSIP/101\r\nApplication: System\r\nData: true",
      "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 0501234567\r\nPriority: 1",
      "Channel: PJSIP/101\r\nContext: any\r\nExten: 5555\r\nPriority: 2",
      "Channel: PJSIP/101\r\nContext: from-internal\r\nExten: 101\r\nAsync: true",
    ]) {
      ami.send(`Action: Originate\r\n${headers}\r\n\r\n`);
      expect(await ami.block()).toBe("Response: Success\r\nMessage: Originate successfully queued\r\n\r\n");
    }
    ami.close();
  });

  it("splits comma-separated Variable headers like application arguments", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send(
      'Action: Originate\r\nChannel: PJSIP/101\r\nApplication: Wait\r\nData: 1\r\nVariable: A=1,B="x,y"\r\nVariable: C=a\\,b\r\nvariable: D=\r\nVariable: novalue\r\nAsync: on\r\n\r\n',
    );
    await ami.block();
    expect(sim.originates.at(-1)?.variables).toEqual(["A=1", "B=x,y", "C=a,b", "D="]);
    ami.close();
  });
});

describe("Originate without a configured dialplan", () => {
  it("accepts any context, extension and priority label", async () => {
    const sim = await createAsteriskSim({ users: ALL_USERS, httpPort: null, originate: { delayMs: 5 } });
    const ami = await RawAmi.login(sim.tcpPort ?? 0, USERS.crm);
    ami.send(
      "Action: Originate\r\nChannel: SIP/0501234567@trunk\r\nContext: whatever\r\nExten: 1\r\nPriority: label\r\nAsync: true\r\n\r\n",
    );
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Originate successfully queued\r\n\r\n");
    ami.close();
    await sim.close();
  });

  it("defaults to answering after 200 ms and names the PJSIP channel after the endpoint", async () => {
    const sim = await createAsteriskSim({ users: ALL_USERS, httpPort: null });
    const ami = await RawAmi.login(sim.tcpPort ?? 0, USERS.crm, "Events: call\r\n");
    const started = Date.now();
    ami.send(
      "Action: Originate\r\nChannel: PJSIP/0501234567@trunk\r\nContext: x\r\nExten: 1\r\nPriority: 1\r\nAsync: true\r\n\r\n",
    );
    await ami.block();
    expect(await ami.block()).toMatch(/Response: Success\r\nChannel: PJSIP\/trunk-00000001\r\n[\s\S]*Reason: 4\r\n/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    ami.close();
    await sim.close();
  });
});
