import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AsteriskSim, createAsteriskSim } from "./index";
import { ALL_USERS, cookieHeader, httpRequest, RawAmi, sessionCookie, USERS, waitFor } from "./testkit";

/** Resolves "no response" when the server stays silent for `ms`, "closed" when it drops the connection. */
function httpOutcome(port: number, ms: number): Promise<"response" | "closed" | "no response"> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/asterisk/rawman?action=ping", agent: false }, (res) => {
      res.resume();
      resolve("response");
    });
    req.on("error", () => resolve("closed"));
    req.setTimeout(ms, () => {
      resolve("no response");
      req.destroy();
    });
    req.end();
  });
}

describe("failure modes and lifecycle", () => {
  let sim: AsteriskSim;
  let tcpPort: number;
  let httpPort: number;

  beforeAll(async () => {
    sim = await createAsteriskSim({ users: ALL_USERS, loginFailDelayMs: 20, originate: { delayMs: 20 } });
    tcpPort = sim.tcpPort ?? 0;
    httpPort = sim.httpPort ?? 0;
  });
  afterAll(() => sim.close());

  it("refuse: closes TCP connections before the banner and drops HTTP connections", async () => {
    sim.setMode("refuse");
    const ami = await RawAmi.connect(tcpPort);
    await ami.closed;
    expect(await ami.quiet(0)).toBe("");
    expect(await httpOutcome(httpPort, 1000)).toBe("closed");
    sim.setMode("normal");
    const again = await RawAmi.connect(tcpPort);
    expect(await again.line()).toBe("Asterisk Call Manager/9.0.0\r\n");
    again.close();
  });

  it("hang: accepts and reads but never answers, on TCP and HTTP", async () => {
    const loggedIn = await RawAmi.login(tcpPort, USERS.crm);
    sim.setMode("hang");
    const fresh = await RawAmi.connect(tcpPort);
    loggedIn.send("Action: Ping\r\n\r\n");
    sim.emitEvent({ Event: "Hangup", Channel: "PJSIP/1-1" });
    expect(await httpOutcome(httpPort, 200)).toBe("no response");
    expect(await fresh.quiet(100)).toBe("");
    expect(await loggedIn.quiet(0)).toBe("");
    expect(fresh.isClosed).toBe(false);
    sim.setMode("normal");
    loggedIn.send("Action: Ping\r\nActionID: back\r\n\r\n");
    expect(await loggedIn.block()).toMatch(/^Response: Success\r\nActionID: back\r\n/);
    fresh.close();
    loggedIn.close();
  });

  it("counts open TCP connections and drops them all on dropConnections()", async () => {
    await waitFor(() => sim.tcpConnections === 0);
    const first = await RawAmi.login(tcpPort, USERS.crm);
    const second = await RawAmi.connect(tcpPort);
    await second.line();
    expect(sim.tcpConnections).toBe(2);
    second.close();
    await waitFor(() => sim.tcpConnections === 1);
    sim.dropConnections();
    await first.closed;
    await waitFor(() => sim.tcpConnections === 0);
  });

  it("restart: sends Shutdown, closes everything, forgets HTTP sessions and comes back on the same ports", async () => {
    const listener = await RawAmi.login(tcpPort, USERS.crm, "Events: system\r\n");
    expect(await listener.block()).toMatch(/^Event: FullyBooted\r\n/);
    const login = await httpRequest(httpPort, "/asterisk/rawman?action=login&username=crm&secret=s3cret&events=off");
    const id = sessionCookie(login) ?? "";
    expect(sim.httpSessions).toBe(1);
    await sim.restart();
    expect(await listener.block()).toBe(
      "Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: True\r\n\r\n",
    );
    await listener.closed;
    expect(sim.httpSessions).toBe(0);
    expect(sim.tcpPort).toBe(tcpPort);
    expect(sim.httpPort).toBe(httpPort);
    const after = await httpRequest(httpPort, "/asterisk/rawman?action=ping", { headers: cookieHeader(id) });
    expect(after.body).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    const ami = await RawAmi.login(tcpPort, USERS.crm);
    ami.send("Action: Ping\r\nActionID: alive\r\n\r\n");
    expect(await ami.block()).toMatch(/^Response: Success\r\nActionID: alive\r\n/);
    ami.close();
  });

  it("restart cancels originates still in progress", async () => {
    sim.setOriginateOutcome("answer", 300);
    const caller = await RawAmi.login(tcpPort, USERS.crm);
    caller.send("Action: Originate\r\nChannel: PJSIP/101\r\nApplication: Wait\r\nData: 1\r\nAsync: true\r\n\r\n");
    await caller.block();
    await sim.restart();
    const listener = await RawAmi.login(tcpPort, USERS.listener, "");
    expect(await listener.quiet(400)).toBe("");
    listener.close();
  });
});

describe("disabled transports", () => {
  it("runs HTTP only when tcpPort is null, and TCP only when httpPort is null", async () => {
    const httpOnly = await createAsteriskSim({ tcpPort: null });
    expect(httpOnly.tcpPort).toBeNull();
    expect(httpOnly.httpPort).toEqual(expect.any(Number));
    expect(httpOnly.tcpConnections).toBe(0);
    await httpOnly.close();
    const tcpOnly = await createAsteriskSim({ httpPort: null });
    expect(tcpOnly.httpPort).toBeNull();
    expect(tcpOnly.httpSessions).toBe(0);
    await tcpOnly.close();
  });
});
