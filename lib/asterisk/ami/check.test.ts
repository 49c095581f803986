import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { AmiError } from "./errors";
import { amiErrorMessage, checkAmiAccess, type AmiTransportKind } from "./check";
import { AmiReader, AmiReadLimitError, serializeAction } from "./message";

const user = { username: "crm", secret: "s3cret", read: "call", write: "originate" };
let sim: AsteriskSim;

beforeAll(async () => {
  sim = await createAsteriskSim({
    tcpPort: 0,
    httpPort: 0,
    loginFailDelayMs: 150,
    users: [user, { username: "outsider", secret: "pw", read: "call", write: "originate", permitted: false }],
  });
});
afterAll(() => sim.close());

const endpoint = (
  kind: AmiTransportKind,
  over: Partial<{ port: number; username: string; secret: string; timeoutMs: number; allowPrivate: boolean }> = {},
) => ({
  host: "127.0.0.1",
  port: kind === "TCP" ? sim.tcpPort! : sim.httpPort!,
  username: user.username,
  secret: user.secret,
  timeoutMs: 1_000,
  allowPrivate: true,
  ...over,
});

async function failure(kind: AmiTransportKind, over: Parameters<typeof endpoint>[1]): Promise<AmiError> {
  const error = await checkAmiAccess(kind, endpoint(kind, over)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AmiError);
  return error as AmiError;
}

describe("AMI message framing", () => {
  it("serialises with CRLF and repeated Variable headers, and refuses header injection", () => {
    expect(serializeAction({ Action: "Originate", Variable: ["A=1", "B=2"], Async: "true" })).toBe(
      "Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\nAsync: true\r\n\r\n",
    );
    expect(() => serializeAction({ Action: "Ping", Secret: "x\r\nAction: Originate" })).toThrow(/line breaks/);
  });

  it("splits a stream into messages, LF or CRLF, however it is cut", () => {
    const stream =
      "Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\nEvent: FullyBooted\nStatus: Fully Booted\n\nResponse: Succ";
    const expected = [
      { Response: "Success", ActionID: "1", Message: "Authentication accepted" },
      { Event: "FullyBooted", Status: "Fully Booted" },
    ];
    expect(new AmiReader().feed(stream)).toEqual(expected);
    for (const size of [1, 2, 7]) {
      const reader = new AmiReader();
      const messages = [];
      for (let at = 0; at < stream.length; at += size) messages.push(...reader.feed(stream.slice(at, at + size)));
      expect(messages).toEqual(expected);
      expect(reader.feed("ess\r\n\r\n")).toEqual([{ Response: "Success" }]);
    }
  });

  it("holds no line or message beyond its limits, however the peer cuts them", () => {
    const limits = { lineChars: 100, messageChars: 1_000 };
    const endless = new AmiReader(limits);
    expect(endless.feed(`Event: Newchannel\r\nVariable: ${"x".repeat(60)}`)).toEqual([]);
    expect(() => endless.feed("x".repeat(60))).toThrow(AmiReadLimitError);
    expect(() => new AmiReader(limits).feed(`Event: x${"y".repeat(200)}\r\n`)).toThrow(/line longer than 100/);
    const long = new AmiReader(limits);
    const line = `Variable: ${"z".repeat(80)}\r\n`;
    expect(() => {
      for (let i = 0; i < 20; i++) long.feed(line);
    }).toThrow(/message longer than 1000/);
    // Messages within the limits pass, as many as come.
    const many = new AmiReader(limits);
    let count = 0;
    for (let i = 0; i < 1_000; i++) count += many.feed(`Event: Newchannel\r\nUniqueid: ${i}\r\n\r\n`).length;
    expect(count).toBe(1_000);
  });
});

describe.each(["HTTP", "TCP"] as const)("AMI access check over %s", (kind) => {
  it("logs in, pings and logs off", async () => {
    sim.setMode("normal");
    await checkAmiAccess(kind, endpoint(kind));
    const actions = sim.actions.filter((a) => a.transport === kind.toLowerCase()).map((a) => a.action.toLowerCase());
    expect(actions.slice(-3)).toEqual(["login", "ping", "logoff"]);
  });

  it("says the login failed for a wrong password and for a refused address (ACL)", async () => {
    expect((await failure(kind, { secret: "nope" })).kind).toBe("auth");
    expect((await failure(kind, { username: "outsider", secret: "pw" })).kind).toBe("auth");
    expect(amiErrorMessage(await failure(kind, { secret: "nope" }))).toMatch(
      /^Нет доступа до AMI: проверьте адрес, порт, логин или пароль \(/,
    );
  });

  it("says the server is unreachable on a closed port, and refuses loopback unless allowed", async () => {
    expect((await failure(kind, { port: 1 })).kind).toBe("unreachable");
    expect((await failure(kind, { allowPrivate: false })).kind).toBe("blocked-address");
  });

  it("gives up on a PBX that does not answer within the time limit", async () => {
    sim.setMode("hang");
    try {
      const started = Date.now();
      expect((await failure(kind, { timeoutMs: 300 })).kind).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      sim.setMode("normal");
    }
  });
});

describe("AMI over HTTP specifics", () => {
  it("keeps the mansession_id cookie between requests", async () => {
    const before = sim.httpSessions;
    await checkAmiAccess("HTTP", endpoint("HTTP"));
    expect(sim.httpSessions).toBe(before);
  });

  it("says AMI is not there when the HTTP port answers 404", async () => {
    const plain = await createAsteriskSim({ tcpPort: null, httpPort: 0, webenabled: false, users: [user] });
    try {
      const error = await checkAmiAccess("HTTP", { ...endpoint("HTTP"), port: plain.httpPort! }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as AmiError).kind).toBe("protocol");
    } finally {
      await plain.close();
    }
  });
});

describe("AMI over TCP specifics", () => {
  it("leaves no socket open after many checks, failed or not", async () => {
    sim.setMode("normal");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        checkAmiAccess("TCP", endpoint("TCP", i % 4 === 0 ? { secret: "bad" } : {})).catch(() => undefined),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.tcpConnections).toBe(0);
  });

  it("says the connection was refused when Asterisk closes it at once", async () => {
    sim.setMode("refuse");
    try {
      expect(["refused", "closed"]).toContain((await failure("TCP", {})).kind);
    } finally {
      sim.setMode("normal");
    }
  });
});
