import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AsteriskSim, createAsteriskSim } from "./index";
import { ALL_USERS, RawAmi, USERS, md5Key } from "./testkit";

const FULLY_BOOTED =
  /^Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: \d+\r\nLastReload: \d+\r\nStatus: Fully Booted\r\n\r\n$/;

describe("AMI over TCP (spec §1)", () => {
  let sim: AsteriskSim;
  let port: number;

  beforeAll(async () => {
    sim = await createAsteriskSim({ users: ALL_USERS, loginFailDelayMs: 20, httpPort: null });
    port = sim.tcpPort ?? 0;
  });
  afterAll(() => sim.close());

  it("sends the banner line on connect and nothing else", async () => {
    const ami = await RawAmi.connect(port);
    expect(await ami.line()).toBe("Asterisk Call Manager/9.0.0\r\n");
    expect(await ami.quiet(50)).toBe("");
    ami.close();
  });

  it("uses the configured AMI version in the banner", async () => {
    const other = await createAsteriskSim({ version: "13.0.0", httpPort: null });
    const ami = await RawAmi.connect(other.tcpPort ?? 0);
    expect(await ami.line()).toBe("Asterisk Call Manager/13.0.0\r\n");
    ami.close();
    await other.close();
  });

  it("accepts a login and follows it with FullyBooted when the user reads system events", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("Action: Login\r\nActionID: 1\r\nUsername: crm\r\nSecret: s3cret\r\n\r\n");
    expect(await ami.block()).toBe("Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n");
    expect(await ami.block()).toMatch(FULLY_BOOTED);
    ami.close();
  });

  it.each([
    ["Events: off", USERS.crm],
    ["Events: call", USERS.crm],
    ["", USERS.reporter],
  ])("sends no FullyBooted with %j for %s", async (events, user) => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send(
      `Action: Login\r\nUsername: ${user.username}\r\nSecret: ${user.secret}\r\n${events ? `${events}\r\n` : ""}\r\nAction: Ping\r\n\r\n`,
    );
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nPing: Pong\r\n/);
    ami.close();
  });

  it("answers a second Login with Already authenticated", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Login\r\nActionID: 2\r\nUsername: crm\r\nSecret: wrong\r\n\r\n");
    expect(await ami.block()).toBe("Response: Success\r\nActionID: 2\r\nMessage: Already authenticated\r\n\r\n");
    ami.close();
  });

  it("fails a bad secret after 1 s by default, then closes the connection", async () => {
    const slow = await createAsteriskSim({ users: ALL_USERS, httpPort: null });
    const ami = await RawAmi.connect(slow.tcpPort ?? 0);
    await ami.line();
    const started = Date.now();
    ami.send("Action: Login\r\nActionID: 1\r\nUsername: crm\r\nSecret: nope\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nActionID: 1\r\nMessage: Authentication failed\r\n\r\n");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await ami.closed;
    await slow.close();
  });

  it.each([
    ["an ACL-refused user with the right secret", "Username: blocked\r\nSecret: b10cked"],
    ["an unknown user", "Username: ghost\r\nSecret: x"],
    ["a missing username", "Secret: s3cret"],
  ])("fails %s exactly like a bad password", async (_label, credentials) => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send(`Action: Login\r\n${credentials}\r\n\r\nAction: Ping\r\n\r\n`);
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Authentication failed\r\n\r\n");
    await ami.closed;
    expect(await ami.quiet(0)).toBe("");
  });

  it("logs in with an MD5 challenge (key = md5(challenge + secret))", async () => {
    expect(md5Key("840744716", "s3cret")).toBe("95e3894890295c95b0bb74e2f2d1e16c");
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("Action: Challenge\r\nActionID: c1\r\nAuthType: MD5\r\n\r\n");
    const reply = await ami.block();
    const challenge = /^Response: Success\r\nActionID: c1\r\nChallenge: (\d+)\r\n\r\n$/.exec(reply)?.[1] ?? "";
    expect(challenge).not.toBe("");
    ami.send("Action: Challenge\r\nAuthType: md5\r\n\r\n");
    expect(await ami.block()).toBe(`Response: Success\r\nChallenge: ${challenge}\r\n\r\n`);
    ami.send(
      `Action: Login\r\nAuthType: MD5\r\nUsername: crm\r\nKey: ${md5Key(challenge, "s3cret")}\r\nEvents: off\r\n\r\n`,
    );
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    ami.close();
  });

  it("rejects an MD5 key built in the wrong order", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("Action: Challenge\r\nAuthType: MD5\r\n\r\n");
    const challenge = /Challenge: (\d+)/.exec(await ami.block())?.[1] ?? "";
    ami.send(`Action: Login\r\nAuthType: MD5\r\nUsername: crm\r\nKey: ${md5Key("s3cret", challenge)}\r\n\r\n`);
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Authentication failed\r\n\r\n");
    await ami.closed;
  });

  it("requires AuthType on Challenge", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("Action: Challenge\r\nActionID: c2\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nActionID: c2\r\nMessage: Must specify AuthType\r\n\r\n");
    ami.close();
  });

  it("denies actions before login and keeps the connection open", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send(
      "Action: Ping\r\nActionID: p0\r\n\r\nAction: Originate\r\nChannel: PJSIP/101\r\n\r\nAction: Nonsense\r\n\r\n",
    );
    expect(await ami.block()).toBe("Response: Error\r\nActionID: p0\r\nMessage: Permission denied\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    ami.send("Action: Login\r\nUsername: crm\r\nSecret: s3cret\r\nEvents: off\r\n\r\n");
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    ami.close();
  });

  it("accepts LF-only input, lowercase names, no space after the colon and any header order", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("actionid: x1\nusername:crm\nsecret:   s3cret\naction: login\nevents: off\n\n");
    expect(await ami.block()).toBe("Response: Success\r\nActionID: x1\r\nMessage: Authentication accepted\r\n\r\n");
    ami.send("ACTION: PING\n\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/);
    ami.close();
  });

  it("does not accept a space before the colon", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action : Ping\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Missing action in request\r\n\r\n");
    ami.close();
  });

  it("uses the first occurrence of a repeated header", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Ping\r\nActionID: first\r\nAction: Logoff\r\nActionID: second\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: first\r\nPing: Pong\r\n/);
    ami.close();
  });

  it("names an unknown action exactly as sent", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: FooBar\r\nActionID: u1\r\n\r\n");
    expect(await ami.block()).toBe(
      "Response: Error\r\nActionID: u1\r\nMessage: Invalid/unknown command: FooBar. Use Action: ListCommands to show available commands.\r\n\r\n",
    );
    ami.close();
  });

  it("answers a stray empty message with Missing action in request", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Ping\r\nActionID: p1\r\n\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: p1\r\nPing: Pong\r\n/);
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Missing action in request\r\n\r\n");
    ami.close();
  });

  it("answers Ping with Pong and a %ld.%06lu timestamp", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Ping\r\nActionID: p1\r\n\r\n");
    const reply = await ami.block();
    const stamp = /^Response: Success\r\nActionID: p1\r\nPing: Pong\r\nTimestamp: (\d+)\.(\d{6})\r\n\r\n$/.exec(reply);
    expect(stamp).not.toBeNull();
    expect(Math.abs(Number(stamp?.[1]) - Date.now() / 1000)).toBeLessThan(5);
    ami.close();
  });

  it("answers Events with On / Off, and an empty mask with an error", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    const cases: Array<[string, string]> = [
      ["EventMask: off", "Response: Success\r\nActionID: e1\r\nEvents: Off\r\n\r\n"],
      ["EventMask: on", "Response: Success\r\nActionID: e1\r\nEvents: On\r\n\r\n"],
      ["EventMask: call,agent", "Response: Success\r\nActionID: e1\r\nEvents: On\r\n\r\n"],
      ["EventMask: bogus", "Response: Success\r\nActionID: e1\r\nEvents: Off\r\n\r\n"],
      ["EventMask:", "Response: Error\r\nActionID: e1\r\nMessage: Invalid event mask\r\n\r\n"],
    ];
    for (const [mask, expected] of cases) {
      ami.send(`Action: Events\r\nActionID: e1\r\n${mask}\r\n\r\n`);
      expect(await ami.block()).toBe(expected);
    }
    ami.close();
  });

  it("says goodbye on Logoff and closes the connection", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Logoff\r\nActionID: bye\r\n\r\nAction: Ping\r\n\r\n");
    expect(await ami.block()).toBe("Response: Goodbye\r\nActionID: bye\r\nMessage: Thanks for all the fish.\r\n\r\n");
    await ami.closed;
    expect(await ami.quiet(0)).toBe("");
  });

  it("allows Logoff before login", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send("Action: Logoff\r\n\r\n");
    expect(await ami.block()).toBe("Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n");
    await ami.closed;
  });

  it("rejects a line longer than 1024 bytes and keeps going", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send(`Action: Ping\r\nActionID: long\r\nX-Pad: ${"a".repeat(1100)}\r\n\r\n`);
    expect(await ami.block()).toBe(
      "Response: Error\r\nActionID: long\r\nMessage: Failed to parse message: line too long\r\n\r\n",
    );
    ami.send("Action: Ping\r\nActionID: next\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: next\r\n/);
    ami.close();
  });

  it("accepts a 1022-byte line and rejects more than 128 headers", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send(`Action: Ping\r\nX-Pad: ${"a".repeat(1022 - 7)}\r\n\r\n`);
    expect(await ami.block()).toMatch(/^Response: Success\r\nPing: Pong\r\n/);
    const headers = Array.from({ length: 130 }, (_, i) => `X-H${i}: v\r\n`).join("");
    ami.send(`Action: Ping\r\nActionID: many\r\n${headers}\r\n`);
    expect(await ami.block()).toBe(
      "Response: Error\r\nActionID: many\r\nMessage: Too many lines in message or allocation failure\r\n\r\n",
    );
    ami.close();
  });

  it("answers pipelined actions in order", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send(
      "Action: Ping\r\nActionID: a\r\n\r\nAction: Events\r\nActionID: b\r\nEventMask: off\r\n\r\nAction: Ping\r\nActionID: c\r\n\r\n",
    );
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: a\r\nPing: Pong/);
    expect(await ami.block()).toBe("Response: Success\r\nActionID: b\r\nEvents: Off\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: c\r\nPing: Pong/);
    ami.close();
  });

  it("delivers emitted events only to sessions whose read permission and event mask allow them", async () => {
    const allowed = await RawAmi.login(port, USERS.crm, "");
    expect(await allowed.block()).toMatch(FULLY_BOOTED);
    const eventsOff = await RawAmi.login(port, USERS.crm, "Events: off\r\n");
    const cannotRead = await RawAmi.login(port, USERS.reporter, "Events: on\r\n");
    sim.emitEvent({ Event: "Hangup", Channel: "PJSIP/101-00000001", Cause: "16" });
    expect(await allowed.block()).toBe(
      "Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/101-00000001\r\nCause: 16\r\n\r\n",
    );
    for (const ami of [eventsOff, cannotRead]) {
      ami.send("Action: Ping\r\nActionID: after\r\n\r\n");
      expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: after\r\n/);
    }
    eventsOff.send("Action: Events\r\nEventMask: call\r\n\r\n");
    expect(await eventsOff.block()).toBe("Response: Success\r\nEvents: On\r\n\r\n");
    sim.emitEvent({ Event: "QueueMemberPause", Interface: "PJSIP/201" }, "agent");
    sim.emitEvent({ Event: "Newchannel", Channel: "PJSIP/102-00000002" });
    expect(await eventsOff.block()).toBe(
      "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/102-00000002\r\n\r\n",
    );
    expect(await allowed.block()).toBe(
      "Event: QueueMemberPause\r\nPrivilege: agent,all\r\nInterface: PJSIP/201\r\n\r\n",
    );
    for (const ami of [allowed, eventsOff, cannotRead]) ami.close();
  });

  it("drops events that arrive before login", async () => {
    const ami = await RawAmi.connect(port);
    await ami.line();
    sim.emitEvent({ Event: "Hangup", Channel: "PJSIP/1-1" });
    ami.send(
      "Action: Login\r\nUsername: crm\r\nSecret: s3cret\r\nEvents: on\r\n\r\nAction: Ping\r\nActionID: p\r\n\r\n",
    );
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    expect(await ami.block()).toMatch(FULLY_BOOTED);
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: p\r\nPing: Pong/);
    ami.close();
  });

  it("answers QueuePause for users with agent write access", async () => {
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send(
      "Action: QueuePause\r\nActionID: q1\r\nInterface: PJSIP/201\r\nPaused: true\r\nQueue: support\r\nReason: lunch\r\n\r\n",
    );
    expect(await ami.block()).toBe(
      "Response: Success\r\nActionID: q1\r\nMessage: Interface paused successfully\r\n\r\n",
    );
    ami.send("Action: QueuePause\r\nInterface: PJSIP/201\r\nPaused: false\r\n\r\n");
    expect(await ami.block()).toBe("Response: Success\r\nMessage: Interface unpaused successfully\r\n\r\n");
    ami.send("Action: QueuePause\r\nInterface: PJSIP/201\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nMessage: Need 'Interface' and 'Paused' parameters.\r\n\r\n");
    const reporter = await RawAmi.login(port, USERS.reporter);
    reporter.send("Action: QueuePause\r\nInterface: PJSIP/201\r\nPaused: true\r\n\r\n");
    expect(await reporter.block()).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    ami.close();
    reporter.close();
  });

  it("answers Getvar as a real Asterisk did: the channel's value, empty elsewhere, denied without call or reporting", async () => {
    sim.replay([
      {
        Event: "Newchannel",
        Privilege: "call,all",
        Channel: "Local/s@inbound-00000001;2",
        Uniqueid: "9.2",
        Linkedid: "9.1",
      },
      {
        Event: "VarSet",
        Privilege: "dialplan,all",
        Channel: "Local/s@inbound-00000001;2",
        Uniqueid: "9.2",
        Linkedid: "9.1",
        Variable: "MIXMONITOR_FILENAME",
        Value: "/var/spool/asterisk/monitor/9.2.wav",
      },
    ]);
    const ami = await RawAmi.login(port, USERS.crm);
    for (const channel of ["Local/s@inbound-00000001;2", "9.2"]) {
      ami.send(`Action: Getvar\r\nActionID: g\r\nChannel: ${channel}\r\nVariable: MIXMONITOR_FILENAME\r\n\r\n`);
      expect(await ami.block()).toBe(
        "Response: Success\r\nActionID: g\r\nVariable: MIXMONITOR_FILENAME\r\nValue: /var/spool/asterisk/monitor/9.2.wav\r\n\r\n",
      );
    }
    ami.send("Action: Getvar\r\nVariable: MIXMONITOR_FILENAME\r\n\r\n");
    expect(await ami.block()).toBe("Response: Success\r\nVariable: MIXMONITOR_FILENAME\r\nValue: \r\n\r\n");
    ami.send("Action: Getvar\r\nChannel: PJSIP/none-00000009\r\nVariable: X\r\n\r\n");
    expect(await ami.block()).toBe("Response: Error\r\nMessage: No such channel\r\n\r\n");
    const listener = await RawAmi.login(port, USERS.listener);
    listener.send("Action: Getvar\r\nChannel: 9.2\r\nVariable: MIXMONITOR_FILENAME\r\n\r\n");
    expect(await listener.block()).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    sim.replay([{ Event: "Hangup", Privilege: "call,all", Channel: "Local/s@inbound-00000001;2", Uniqueid: "9.2" }]);
    ami.close();
    listener.close();
  });

  it("records every action received", async () => {
    const before = sim.actions.length;
    const ami = await RawAmi.login(port, USERS.crm);
    ami.send("Action: Ping\r\nActionID: rec\r\n\r\n");
    await ami.block();
    expect(sim.actions.slice(before)).toEqual([
      expect.objectContaining({ transport: "tcp", action: "Login", username: "crm" }),
      expect.objectContaining({
        transport: "tcp",
        action: "Ping",
        username: "crm",
        headers: { action: "Ping", actionid: "rec" },
      }),
    ]);
    ami.close();
  });
});

describe("TCP session limits", () => {
  it("closes a connection that does not log in within authtimeout, silently", async () => {
    const sim = await createAsteriskSim({ authtimeout: 1, httpPort: null });
    const ami = await RawAmi.connect(sim.tcpPort ?? 0);
    const started = Date.now();
    expect(await ami.line()).toBe("Asterisk Call Manager/9.0.0\r\n");
    await ami.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await ami.quiet(0)).toBe("");
    await sim.close();
  });

  it("closes a new connection before the banner when authlimit unauthenticated sessions exist", async () => {
    const sim = await createAsteriskSim({ authlimit: 2, users: ALL_USERS, httpPort: null });
    const port = sim.tcpPort ?? 0;
    const first = await RawAmi.connect(port);
    const second = await RawAmi.connect(port);
    await Promise.all([first.line(), second.line()]);
    const third = await RawAmi.connect(port);
    await third.closed;
    expect(await third.quiet(0)).toBe("");
    first.send("Action: Login\r\nUsername: crm\r\nSecret: s3cret\r\nEvents: off\r\n\r\n");
    await first.block();
    const fourth = await RawAmi.connect(port);
    expect(await fourth.line()).toBe("Asterisk Call Manager/9.0.0\r\n");
    for (const ami of [first, second, fourth]) ami.close();
    await sim.close();
  });
});
