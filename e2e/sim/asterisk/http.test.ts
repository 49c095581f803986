import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type AsteriskSim, createAsteriskSim } from "./index";
import { ALL_USERS, cookieHeader, httpRequest, md5, rawHttp, sessionCookie, USERS } from "./testkit";

const NOT_FOUND_PAGE =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>404 Not Found</title>\r\n</head><body>\r\n' +
  "<h1>Not Found</h1>\r\n<p>The requested URL was not found on this server.</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n";

const LOGIN = "/asterisk/rawman?action=login&username=crm&secret=s3cret&events=off";

describe("AMI over HTTP (spec §2)", () => {
  let sim: AsteriskSim;
  let port: number;

  const login = async (path = LOGIN): Promise<string> => {
    const res = await httpRequest(port, path);
    expect(res.body).toContain("Authentication accepted");
    return sessionCookie(res) ?? "";
  };

  beforeAll(async () => {
    sim = await createAsteriskSim({
      users: ALL_USERS,
      tcpPort: null,
      loginFailDelayMs: 20,
      originate: { delayMs: 50 },
    });
    port = sim.httpPort ?? 0;
  });
  afterAll(() => sim.close());
  afterEach(() => vi.useRealTimers());

  it("logs in over rawman with the exact headers, cookie format and body", async () => {
    const response = await rawHttp(
      port,
      `GET ${LOGIN} HTTP/1.1\r\nHost: pbx.example:8088\r\nConnection: close\r\n\r\n`,
    );
    expect(response).toMatch(
      /^HTTP\/1\.1 200 OK\r\nServer: Asterisk\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\nCache-Control: no-cache, no-store\r\nContent-type: text\/plain\r\nSet-Cookie: mansession_id="[0-9a-f]{8}"; Version=1; Max-Age=60\r\nPragma: SuppressEvents\r\nContent-Length: 55\r\n(Connection: close\r\n)?\r\nResponse: Success\r\nMessage: Authentication accepted\r\n\r\n$/,
    );
  });

  it("includes FullyBooted in the login body only when events are asked for", async () => {
    const quiet = await httpRequest(port, "/asterisk/rawman?action=login&username=crm&secret=s3cret");
    expect(quiet.body).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    const loud = await httpRequest(port, "/asterisk/rawman?action=login&username=crm&secret=s3cret&events=on");
    expect(loud.body).toMatch(
      /^Response: Success\r\nMessage: Authentication accepted\r\n\r\nEvent: FullyBooted\r\nPrivilege: system,all\r\n/,
    );
  });

  it("runs actions on the session named by the cookie, with or without quotes", async () => {
    const id = await login();
    const ping = await httpRequest(port, "/asterisk/rawman?action=ping&actionid=p1", { headers: cookieHeader(id) });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatch(/^Response: Success\r\nActionID: p1\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/);
    expect(sessionCookie(ping)).toBe(id);
    const unquoted = await httpRequest(port, "/asterisk/rawman?action=ping", {
      headers: { Cookie: `other=1; mansession_id=${id.toUpperCase()}` },
    });
    expect(unquoted.body).toMatch(/^Response: Success\r\nPing: Pong/);
  });

  it("answers 200 with Permission denied and a fresh cookie without a session", async () => {
    const res = await httpRequest(port, "/asterisk/rawman?action=ping");
    expect(res.status).toBe(200);
    expect(res.body).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    expect(res.header("pragma")).toBe("SuppressEvents");
    const other = await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader("0badc0de") });
    expect(other.body).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    expect(sessionCookie(other)).not.toBe("0badc0de");
  });

  it("keeps an unauthenticated session for 5 s and an authenticated one for httptimeout", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.parse("2025-01-01T00:00:00Z");
    vi.setSystemTime(t0);
    const first = await httpRequest(port, "/asterisk/rawman?action=ping");
    const id = sessionCookie(first) ?? "";
    vi.setSystemTime(t0 + 5000);
    expect(sessionCookie(await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader(id) }))).toBe(
      id,
    );
    vi.setSystemTime(t0 + 10_001);
    expect(
      sessionCookie(await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader(id) })),
    ).not.toBe(id);

    const authed = await login();
    vi.setSystemTime(t0 + 10_001 + 60_000);
    const alive = await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader(authed) });
    expect(alive.body).toMatch(/^Response: Success\r\nPing: Pong/);
    vi.setSystemTime(t0 + 10_001 + 120_001);
    const expired = await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader(authed) });
    expect(expired.body).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
    expect(sessionCookie(expired)).not.toBe(authed);
  });

  it("fails a bad HTTP login after the delay with 200, a cookie, and a destroyed session", async () => {
    const slow = await createAsteriskSim({ users: ALL_USERS, tcpPort: null });
    const started = Date.now();
    const res = await httpRequest(slow.httpPort ?? 0, "/asterisk/rawman?action=login&username=crm&secret=bad");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.status).toBe(200);
    expect(res.body).toBe("Response: Error\r\nMessage: Authentication failed\r\n\r\n");
    const id = sessionCookie(res) ?? "";
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(slow.httpSessions).toBe(0);
    const again = await httpRequest(slow.httpPort ?? 0, "/asterisk/rawman?action=ping", { headers: cookieHeader(id) });
    expect(sessionCookie(again)).not.toBe(id);
    await slow.close();
  });

  it("logs off and destroys the session", async () => {
    const id = await login();
    const bye = await httpRequest(port, "/asterisk/rawman?action=logoff", { headers: cookieHeader(id) });
    expect(bye.body).toBe("Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n");
    const after = await httpRequest(port, "/asterisk/rawman?action=ping", { headers: cookieHeader(id) });
    expect(after.body).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
  });

  it("formats mxml as <ajax-response> with lowercased attribute names", async () => {
    const res = await httpRequest(port, "/asterisk/mxml?action=login&username=crm&secret=s3cret&events=off");
    expect(res.header("content-type")).toBe("text/xml");
    expect(res.body).toBe(
      "<ajax-response>\n<response type='object' id='unknown'><generic response='Success' message='Authentication accepted' /></response>\n</ajax-response>\n",
    );
    const id = sessionCookie(res) ?? "";
    const ping = await httpRequest(
      port,
      "/asterisk/mxml?action=ping&ajaxdest=pane&ajaxobjtype=pong&actionid=%3Cx%27%3E",
      { headers: cookieHeader(id) },
    );
    expect(ping.body).toMatch(
      /^<ajax-response>\n<response type='object' id='pane'><pong response='Success' actionid='&lt;x&apos;&gt;' ping='Pong' timestamp='\d+\.\d{6}' \/><\/response>\n<\/ajax-response>\n$/,
    );
  });

  it("formats /manager as the Manager Tester HTML table", async () => {
    const res = await httpRequest(port, "/asterisk/manager?action=ping");
    expect(res.header("content-type")).toBe("text/html");
    expect(
      res.body.startsWith(
        '<title>Asterisk&trade; Manager Interface</title><body bgcolor="#ffffff"><table align=center bgcolor="#f1f1f1" width="500">\r\n',
      ),
    ).toBe(true);
    expect(res.body).toContain('<tr><td colspan="2" bgcolor="#f1f1ff"><h1>Manager Tester</h1></td></tr>\r\n');
    expect(
      res.body.endsWith(
        "<tr><td>Response</td><td>Error</td></tr>\n<tr><td>Message</td><td>Permission denied</td></tr>\n" +
          '<tr><td colspan="2"><hr></td></tr>\r\n</table></body>\r\n',
      ),
    ).toBe(true);
  });

  it("serves the exact 404 page for unknown URIs, a missing prefix and /httpstatus", async () => {
    for (const path of ["/asterisk/nothing", "/rawman?action=ping", "/asterisk/httpstatus", "/asterisk/rawman/extra"]) {
      const res = await httpRequest(port, path);
      expect(res.status).toBe(404);
      expect(res.statusText).toBe("Not Found");
      expect(res.body).toBe(NOT_FOUND_PAGE);
      expect(res.rawHeaders.slice(0, 8)).toEqual([
        "Server",
        "Asterisk",
        "Date",
        expect.any(String),
        "Cache-Control",
        "no-cache, no-store",
        "Content-type",
        "text/html",
      ]);
      expect(res.header("content-length")).toBe("240");
    }
    const caseInsensitive = await httpRequest(port, "/ASTERISK/RawMan/?action=ping");
    expect(caseInsensitive.status).toBe(200);
  });

  it("answers 501 for methods other than GET, HEAD and POST on AMI URIs", async () => {
    const res = await httpRequest(port, "/asterisk/rawman?action=ping", { method: "PUT" });
    expect(res.status).toBe(501);
    expect(res.statusText).toBe("Not Implemented");
    expect(res.body).toContain("<title>501 Not Implemented</title>\r\n");
    expect(res.body).toContain("<p>Attempt to use unimplemented / unsupported method</p>\r\n");
    expect((await httpRequest(port, "/asterisk/nothing", { method: "DELETE" })).status).toBe(404);
  });

  it("reads POST parameters only from a form body, ignoring the query", async () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const res = await httpRequest(port, "/asterisk/rawman?action=ping", {
      method: "POST",
      headers: form,
      body: "action=login&username=crm&secret=s3cret&events=off&actionid=a+b%2Fc",
    });
    expect(res.body).toBe("Response: Success\r\nActionID: a b/c\r\nMessage: Authentication accepted\r\n\r\n");
    const json = await httpRequest(port, "/asterisk/rawman?action=ping", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"action":"ping"}',
    });
    expect(json.body).toBe("Response: Error\r\nMessage: Missing action in request\r\n\r\n");
    const tooLarge = await httpRequest(port, "/asterisk/rawman", {
      method: "POST",
      headers: form,
      body: `action=ping&x=${"a".repeat(41_000)}`,
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.statusText).toBe("Request Entity Too Large");
  });

  it("answers HEAD with headers only", async () => {
    const res = await httpRequest(port, "/asterisk/rawman?action=ping", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.header("content-length")).toBe(String("Response: Error\r\nMessage: Permission denied\r\n\r\n".length));
  });

  it("queues events per session and returns them only on waitevent", async () => {
    const id = await login();
    const headers = cookieHeader(id);
    const queued = await httpRequest(
      port,
      "/asterisk/rawman?action=originate&channel=PJSIP%2F101&context=from-internal&exten=0501234567&priority=1&callerid=%22CRM%22%20%3C101%3E&variable=CRM_CALL_ID%3D42&async=true&actionid=o1",
      { headers },
    );
    expect(queued.body).toBe("Response: Success\r\nActionID: o1\r\nMessage: Originate successfully queued\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ping = await httpRequest(port, "/asterisk/rawman?action=ping", { headers });
    expect(ping.body).not.toContain("Event:");
    const wait = await httpRequest(port, "/asterisk/rawman?action=waitevent&actionid=w1", { headers });
    expect(wait.body).toMatch(
      /^Response: Success\r\nActionID: w1\r\nMessage: Waiting for Event completed\.\r\n\r\nEvent: OriginateResponse\r\nPrivilege: call,all\r\nActionID: o1\r\nResponse: Success\r\nChannel: PJSIP\/101-[0-9a-f]{8}\r\nContext: from-internal\r\nExten: 0501234567\r\nReason: 4\r\nUniqueid: \d+\.\d+\r\nCallerIDNum: 101\r\nCallerIDName: CRM\r\n\r\nEvent: WaitEventComplete\r\nActionID: w1\r\n\r\n$/,
    );
    expect(sim.originates.at(-1)).toMatchObject({ transport: "http", username: "crm", variables: ["CRM_CALL_ID=42"] });
  });

  it("blocks waitevent until an event arrives, and returns nothing when the timeout passes", async () => {
    const id = await login();
    const headers = cookieHeader(id);
    const pending = httpRequest(port, "/asterisk/rawman?action=waitevent&timeout=5", { headers });
    await new Promise((resolve) => setTimeout(resolve, 50));
    sim.emitEvent({ Event: "Hangup", Channel: "PJSIP/101-00000001", Cause: "16" });
    expect((await pending).body).toBe(
      "Response: Success\r\nMessage: Waiting for Event completed.\r\n\r\nEvent: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/101-00000001\r\nCause: 16\r\n\r\nEvent: WaitEventComplete\r\n\r\n",
    );
    const started = Date.now();
    const empty = await httpRequest(port, "/asterisk/rawman?action=waitevent&timeout=1", { headers });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(empty.body).toBe(
      "Response: Success\r\nMessage: Waiting for Event completed.\r\n\r\nEvent: WaitEventComplete\r\n\r\n",
    );
  });

  it("counts live HTTP sessions", async () => {
    const before = sim.httpSessions;
    const id = await login();
    expect(sim.httpSessions).toBe(before + 1);
    await httpRequest(port, "/asterisk/rawman?action=logoff", { headers: cookieHeader(id) });
    expect(sim.httpSessions).toBe(before);
  });

  it("challenges the digest variants with 401 and serves them once the digest is right", async () => {
    const uri = "/asterisk/arawman?action=ping";
    const challenge = await httpRequest(port, uri);
    expect(challenge.status).toBe(401);
    const header = challenge.header("www-authenticate") ?? "";
    expect(challenge.rawHeaders).toContain("WWW-authenticate");
    expect(header).toMatch(/^Digest algorithm=MD5, realm="asterisk", nonce="([0-9a-f]{8})", qop="auth", opaque="\1"$/);
    expect(challenge.body).toContain("<title>401 Unauthorized</title>");
    const nonce = /nonce="([0-9a-f]{8})"/.exec(header)?.[1] ?? "";
    const authorization = (nc: string, secret = "s3cret", user = "crm"): string => {
      const ha1 = md5(`${user}:asterisk:${secret}`);
      const ha2 = md5(`GET:${uri}`);
      const response = md5(`${ha1}:${nonce}:${nc}:abc:auth:${ha2}`);
      return `Digest username="${user}", realm="asterisk", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="abc", response="${response}", opaque="${nonce}"`;
    };
    const ok = await httpRequest(port, uri, { headers: { Authorization: authorization("00000001") } });
    expect(ok.status).toBe(200);
    expect(ok.header("set-cookie")).toBeUndefined();
    expect(ok.body).toMatch(/^Response: Success\r\nPing: Pong\r\n/);
    const next = await httpRequest(port, uri, { headers: { Authorization: authorization("00000002") } });
    expect(next.status).toBe(200);
    const replay = await httpRequest(port, uri, { headers: { Authorization: authorization("00000002") } });
    expect(replay.status).toBe(401);
    expect(replay.header("www-authenticate")).toMatch(/, stale=true$/);
    const wrong = await httpRequest(port, uri, { headers: { Authorization: authorization("00000003", "bad") } });
    expect(wrong.status).toBe(401);
    const blocked = await httpRequest(port, uri, {
      headers: { Authorization: authorization("00000001", "b10cked", "blocked") },
    });
    expect(blocked.status).toBe(403);
    expect(blocked.statusText).toBe("Permission denied");
    expect(blocked.body).toContain("<p>Permission denied</p>");
  });
});

describe("HTTP configuration", () => {
  it("serves no AMI URIs when webenabled is off, and honours the prefix", async () => {
    const off = await createAsteriskSim({ users: ALL_USERS, tcpPort: null, webenabled: false });
    expect((await httpRequest(off.httpPort ?? 0, "/asterisk/rawman?action=ping")).status).toBe(404);
    await off.close();
    const bare = await createAsteriskSim({ users: ALL_USERS, tcpPort: null, prefix: "", httptimeout: 30 });
    const res = await httpRequest(
      bare.httpPort ?? 0,
      `/rawman?action=login&username=${USERS.listener.username}&secret=${USERS.listener.secret}`,
    );
    expect(res.body).toBe("Response: Success\r\nMessage: Authentication accepted\r\n\r\n");
    expect(res.header("set-cookie")).toMatch(/; Max-Age=30$/);
    expect((await httpRequest(bare.httpPort ?? 0, "/asterisk/rawman?action=ping")).status).toBe(404);
    await bare.close();
  });
});
