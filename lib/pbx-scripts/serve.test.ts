// event.sh rendered, checked by shellcheck, and run for real with bash against a local stub of
// /api/event that records what it receives.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventShTemplate, renderEventSh } from "./serve";
import { pcmWav } from "@/e2e/fixtures/audio";
import { until } from "@/e2e/setup/until";

const CLIENT_ID = "0123456789abcdef".repeat(4);
const DATE = "2026-11-23 12:00:00";
const AGI_HEADER = [
  "agi_request: event.sh",
  "agi_channel: PJSIP/trunk-00000002",
  "agi_language: ru",
  "agi_type: PJSIP",
  "agi_uniqueid: 1717171717.5",
  "agi_version: 20.5.0",
  "agi_callerid: 79001234567",
  "agi_calleridname: unknown",
  "agi_context: manager-call",
  "agi_extension: h",
  "agi_priority: 1",
  "agi_enhanced: 0.0",
  "agi_accountcode: ",
  "agi_threadid: 140234567890",
  "agi_arg_1: ",
  "",
  "",
].join("\n");

interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  multipart: boolean;
  file?: Buffer;
  filename?: string;
}

interface Stub {
  url: string;
  received: Received[];
  status: number;
  /** Requests still to answer 503 with Retry-After: 1, as the service does while its database restarts. */
  unavailable: number;
  /** Uploads still to answer so (when unavailableType is "upload"). */
  unavailableUploads: number;
  unavailableType?: "upload";
  server: Server;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** /api/event stand-in: records every request, answers `status` with a JSON body like the service's. */
async function startStub(): Promise<Stub> {
  const stub = { received: [] as Received[], status: 200, unavailable: 0, unavailableUploads: 0 } as Stub;
  stub.server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? "/", "http://stub");
      const type = req.headers["content-type"] ?? "";
      const entry: Received = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        multipart: type.startsWith("multipart/form-data"),
      };
      if (entry.multipart) {
        const form = await new Request(url, {
          method: "POST",
          headers: { "content-type": type },
          body: Buffer.concat(chunks),
        }).formData();
        const file = form.get("file");
        if (file instanceof File)
          Object.assign(entry, { file: Buffer.from(await file.arrayBuffer()), filename: file.name });
      }
      stub.received.push(entry);
      const refuseUpload =
        stub.unavailableType === "upload" && entry.query.type === "upload" && stub.unavailableUploads > 0;
      if (refuseUpload) stub.unavailableUploads--;
      if (stub.unavailable > 0 || refuseUpload) {
        if (!refuseUpload) stub.unavailable--;
        res
          .writeHead(503, { "content-type": "application/json", "retry-after": "1" })
          .end('{"success":false,"errorMsg":"service temporarily unavailable (database unreachable); retry"}');
        return;
      }
      const body =
        stub.status < 400
          ? { success: true }
          : { success: false, errorMsg: "parameter phone is required for type=hangup" };
      res.writeHead(stub.status, { "content-type": "application/json" }).end(JSON.stringify(body));
    })();
  });
  stub.url = `http://127.0.0.1:${await listen(stub.server)}`;
  return stub;
}

let stub: Stub;
let dir: string;
let scriptPath: string;
let debugLog: string;

interface RunOptions {
  env?: Record<string, string>;
  /** What the script reads on stdin: the AGI header by default; "open" leaves stdin open and silent. */
  stdin?: string | "open";
  /** Script text to run instead of the one rendered for the stub. */
  script?: string;
  /** Requests to wait for after the script has exited (the recording is sent by a background copy). */
  requests?: number;
}

interface Run {
  code: number | null;
  ms: number;
  stderr: string;
  received: Received[];
  log: string;
}

/** Runs event.sh with bash the way Asterisk does (argv + AGI header on stdin), with settings from the environment. */
async function run(args: string[], options: RunOptions = {}): Promise<Run> {
  stub.received = [];
  await rm(debugLog, { force: true });
  let file = scriptPath;
  if (options.script !== undefined) {
    file = path.join(dir, "custom-event.sh");
    await writeFile(file, options.script);
  }
  const started = Date.now();
  const child = spawn("bash", [file, ...args], {
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      QUEUE_LOG: "",
      DEBUG_LOG: debugLog,
      SEND_RECORD_TO_SERVICE: "",
      SOXI_PATH: "",
      ...options.env,
    },
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  child.stdin.on("error", () => undefined);
  if (options.stdin !== "open") child.stdin.end(options.stdin ?? AGI_HEADER);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const ms = Date.now() - started;
  clearTimeout(killer);
  child.stdin.destroy();
  await waitFor(() => stub.received.length >= (options.requests ?? 0));
  const log = await readFile(debugLog, "utf8").catch(() => "");
  return { code, ms, stderr, received: stub.received, log };
}

async function waitFor(done: () => boolean | Promise<boolean>): Promise<void> {
  await until(done, Boolean, 20_000, 50);
}

const logOf = () => readFile(debugLog, "utf8").catch(() => "");

/** The dialplan's arguments in the recommended order. */
function dialArgs(
  over: Partial<
    Record<"recording" | "uniqueid" | "phone" | "extension" | "date" | "direction" | "status" | "seconds", string>
  > = {},
): string[] {
  const a = {
    recording: "",
    uniqueid: "1717171717.5",
    phone: "+79001234567",
    extension: "101",
    date: DATE,
    direction: "in",
    status: "ANSWER",
    seconds: "65",
    ...over,
  };
  return [a.recording, a.uniqueid, a.phone, a.extension, a.date, a.direction, a.status, a.seconds];
}

function hangup(query: Record<string, string>): Received {
  return {
    method: "GET",
    path: "/api/event",
    query: { clientId: CLIENT_ID, type: "hangup", ...query },
    multipart: false,
  };
}

function hasShellcheck(): boolean {
  return spawnSync("shellcheck", ["--version"]).status === 0;
}

beforeAll(async () => {
  stub = await startStub();
  dir = await mkdtemp(path.join(tmpdir(), "event-sh-"));
  scriptPath = path.join(dir, "event.sh");
  debugLog = path.join(dir, "debug.log");
  await writeFile(scriptPath, renderEventSh({ serviceUrl: stub.url, clientId: CLIENT_ID }));
});

afterAll(async () => {
  await new Promise((resolve) => stub.server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("renderEventSh", () => {
  it("fills CLIENTID and SERVICE_URL and changes nothing else", () => {
    const script = renderEventSh({ serviceUrl: "https://bridge.example.com/", clientId: CLIENT_ID });
    const lines = script.split("\n");
    expect(lines).toContain(`CLIENTID="${CLIENT_ID}"`);
    expect(lines).toContain('SERVICE_URL="https://bridge.example.com"');
    const restored = lines.map((line) =>
      line
        .replace(`CLIENTID="${CLIENT_ID}"`, 'CLIENTID="@CLIENTID@"')
        .replace('SERVICE_URL="https://bridge.example.com"', 'SERVICE_URL="@SERVICE_URL@"'),
    );
    expect(restored.join("\n")).toBe(eventShTemplate());
  });

  it("leaves CLIENTID empty with a hint when there is no account", () => {
    const script = renderEventSh({ serviceUrl: "http://10.0.0.5:3000/bridge" });
    expect(script).toContain('# Эта копия скачана без clientId: впишите его между кавычками.\nCLIENTID=""\n');
    expect(script).toContain('SERVICE_URL="http://10.0.0.5:3000/bridge"\n');
    expect(script).not.toContain("@CLIENTID@");
  });

  it("is a bash script with LF lines, no backticks, ending in exit 0", () => {
    expect(eventShTemplate().startsWith("#!/bin/bash\n")).toBe(true);
    expect(eventShTemplate()).not.toMatch(/[\r`]/);
    expect(eventShTemplate().endsWith("\nexit 0\n")).toBe(true);
    expect(eventShTemplate()).not.toMatch(/\beval\b|set -e/);
  });

  it.each(["", "ABCDEF0123456789".repeat(4), "0".repeat(63), `${"0".repeat(63)}"`, `$(reboot)${"0".repeat(55)}`])(
    "rejects the clientId %j",
    (clientId) => {
      expect(() => renderEventSh({ serviceUrl: "https://bridge.example.com", clientId })).toThrow(
        /clientId must be 64 lowercase hex/,
      );
    },
  );

  it.each([
    'https://x.example/"; rm -rf /',
    "https://x.example/$(id)",
    "https://x.example/`id`",
    "https://x.example/a\\b",
    "https://x .example",
    "ftp://x.example",
    "javascript:alert(1)",
    "https://x.example/?a=1&b=2",
  ])("rejects the service URL %j", (serviceUrl) => {
    expect(() => renderEventSh({ serviceUrl, clientId: CLIENT_ID })).toThrow(/service URL/);
  });
});

const shellcheck = hasShellcheck();
if (!shellcheck)
  console.warn("event.sh: shellcheck is not installed (apt-get install shellcheck); the lint test is skipped");

describe.skipIf(!shellcheck)("shellcheck", () => {
  it("finds nothing in the file itself", () => {
    const result = spawnSync("shellcheck", ["-s", "bash", path.join(process.cwd(), "lib", "pbx-scripts", "event.sh")], {
      encoding: "utf8",
    });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  it.each([
    ["personalised", { serviceUrl: "https://bridge.example.com", clientId: CLIENT_ID }],
    ["generic", { serviceUrl: "https://bridge.example.com" }],
  ])("finds nothing in the %s script", (_name, settings) => {
    const result = spawnSync("shellcheck", ["-s", "bash", "-"], { input: renderEventSh(settings), encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("event.sh run by bash", () => {
  it("reports an answered Dial() call with one hangup request", async () => {
    const result = await run(dialArgs());
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.received).toEqual([
      hangup({
        uniqueid: "1717171717.5",
        phone: "+79001234567",
        code: "101",
        status: "ANSWER",
        direct: "in",
        date: DATE,
        duration: "65",
      }),
    ]);
    expect(result.log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[1717171717\.5\] hangup arguments: /);
    expect(result.log).toContain("[1717171717.5] hangup: HTTP 200");
  });

  it.each([
    ["the guide's order", "101", "+79001234567", { phone: "+79001234567", code: "101" }],
    ["the guide's order, nobody answered", "", "+79001234567", { phone: "+79001234567" }],
    ["the guide's order, a channel name", "PJSIP/101", "89001234567", { phone: "89001234567", code: "101" }],
    ["the guide's order, a hidden number", "101", "anonymous", { phone: "anonymous", code: "101" }],
    ["the recommended order, nobody answered", "+79001234567", "", { phone: "+79001234567" }],
    [
      "the recommended order, CUT(MEMBERINTERFACE) of a Local member",
      "+79001234567",
      "2004@from-internal",
      { phone: "+79001234567", code: "2004" },
    ],
  ])("tells the phone from the extension in %s", async (_name, third, fourth, expected) => {
    const result = await run(dialArgs({ phone: third, extension: fourth }));
    expect(result.code).toBe(0);
    expect(result.received).toHaveLength(1);
    const { phone, code } = result.received[0]!.query;
    expect({ phone, code }).toEqual({ code: undefined, ...expected });
  });

  it("passes the status and direction on as the dialplan gives them, quotes removed", async () => {
    const result = await run(dialArgs({ direction: '"out"', status: "NO ANSWER", seconds: "" }));
    expect(result.received).toEqual([
      hangup({
        uniqueid: "1717171717.5",
        phone: "+79001234567",
        code: "101",
        status: "NO ANSWER",
        direct: "out",
        date: DATE,
      }),
    ]);
  });

  it("fills a missing or broken date with the current time", async () => {
    const result = await run(dialArgs({ date: "{STRFTIME({EPOCH},,%Y-%m-%d" }));
    expect(result.received[0]?.query.date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  describe("Queue() calls", () => {
    const uid = "1717171000.101";
    const queueLog = () => path.join(dir, "queue_log");
    beforeAll(async () => {
      await writeFile(
        queueLog(),
        [
          "1717170000|NONE|NONE|NONE|QUEUESTART|",
          `1717171000|${uid}|support|NONE|ENTERQUEUE||79001234567|1`,
          `1717171015|${uid}|support|PJSIP/201|RINGNOANSWER|15000`,
          `1717171021|${uid}|support|Local/202@from-internal/n|CONNECT|21|1717171015.104|6`,
          "1717171030|1717171000.1011|support|NONE|ENTERQUEUE||79005550000|2",
          `1717171143|${uid}|support|Local/202@from-internal/n|COMPLETECALLER|21|122|1`,
          "1717171200|1717171000.1011|support|PJSIP/209|COMPLETEAGENT|5|10|2",
          "1717172000|1717172000.110|support|NONE|ENTERQUEUE||0507654321|1",
          "1717172009|1717172000.110|support|Alice|CONNECT|9|1717172003.112|6",
          "1717172309|1717172000.110|support|Alice|COMPLETEAGENT|9|300|1",
          "1717173000|1717173000.120|support|NONE|ENTERQUEUE||0509990000|1",
          "1717173040|1717173000.120|support|NONE|ABANDON|1|1|40",
          "",
        ].join("\n"),
      );
    });

    it("takes hold, talk time and the answering member from COMPLETECALLER", async () => {
      const result = await run(dialArgs({ uniqueid: uid, extension: "", status: "NO ANSWER", seconds: "143" }), {
        env: { QUEUE_LOG: queueLog() },
      });
      expect(result.code).toBe(0);
      expect(result.received).toEqual([
        hangup({
          uniqueid: uid,
          phone: "+79001234567",
          code: "202",
          status: "ANSWER",
          direct: "in",
          date: DATE,
          hold: "21",
          duration: "122",
        }),
      ]);
    });

    it("keeps the dialplan's extension when the member has a name, not an interface (COMPLETEAGENT)", async () => {
      const result = await run(
        dialArgs({ uniqueid: "1717172000.110", extension: "203", status: "ANSWERED", seconds: "309" }),
        { env: { QUEUE_LOG: queueLog() } },
      );
      expect(result.received[0]?.query).toMatchObject({ code: "203", status: "ANSWER", hold: "9", duration: "300" });
    });

    it("passes an abandoned call on as the dialplan reports it", async () => {
      const result = await run(
        dialArgs({ uniqueid: "1717173000.120", extension: "", status: "NO ANSWER", seconds: "0" }),
        { env: { QUEUE_LOG: queueLog() } },
      );
      expect(result.received).toEqual([
        hangup({
          uniqueid: "1717173000.120",
          phone: "+79001234567",
          status: "NO ANSWER",
          direct: "in",
          date: DATE,
          duration: "0",
        }),
      ]);
    });

    it("runs without the queue_log file", async () => {
      const result = await run(dialArgs({ uniqueid: uid }), {
        env: { QUEUE_LOG: path.join(dir, "missing_queue_log") },
      });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.received[0]?.query).toMatchObject({ status: "ANSWER", duration: "65" });
    });
  });

  describe("the recording", () => {
    const audio = pcmWav(8000, 1);
    const recording = () => path.join(dir, "2026-11-23", "in-101-+79001234567 (1);type=x.wav");
    beforeAll(async () => {
      await mkdir(path.dirname(recording()), { recursive: true });
      await writeFile(recording(), audio);
      await writeFile(path.join(dir, "soxi-12.5"), "#!/bin/sh\necho 12.500000\n", { mode: 0o755 });
      await writeFile(path.join(dir, "soxi-open"), "#!/bin/sh\necho 0.000000\n", { mode: 0o755 });
    });

    it("takes the talk time from soxi -D, rounded half up (12.5 s → 13)", async () => {
      const result = await run(dialArgs({ recording: recording(), seconds: "20" }), {
        env: { SOXI_PATH: path.join(dir, "soxi-12.5") },
      });
      expect(result.received[0]?.query.duration).toBe("13");
    });

    it("keeps the dialplan's talk time when soxi says 0 s (a file still being written)", async () => {
      const result = await run(dialArgs({ recording: recording(), seconds: "20" }), {
        env: { SOXI_PATH: path.join(dir, "soxi-open") },
      });
      expect(result.received[0]?.query.duration).toBe("20");
    });

    it("sends the hangup at once, then the recording from a background copy (multipart, exact bytes)", async () => {
      const result = await run(dialArgs({ recording: recording() }), {
        env: { SEND_RECORD_TO_SERVICE: "yes" },
        requests: 2,
      });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.received.map((r) => [r.method, r.query.type])).toEqual([
        ["GET", "hangup"],
        ["POST", "upload"],
      ]);
      expect(result.received[0]?.query).toMatchObject({ recording: "upload" });
      expect(result.received[0]?.query.path).toBeUndefined();
      const upload = result.received[1];
      expect(upload).toMatchObject({
        path: "/api/event",
        query: { clientId: CLIENT_ID, type: "upload", uniqueid: "1717171717.5" },
        multipart: true,
        filename: "in-101-_79001234567__1__type_x.wav",
      });
      expect(upload?.file?.equals(audio)).toBe(true);
      await waitFor(async () => (await logOf()).includes("upload: HTTP 200"));
      expect(await logOf()).toContain("upload: HTTP 200");
    });

    it("uploads a WAV only once MixMonitor has closed it, after the h extension, byte for byte", async () => {
      // As MixMonitor leaves it while the call lasts: part of the audio, both sizes 0.
      const file = path.join(dir, "growing.wav");
      const final = pcmWav(8000, 3);
      await writeFile(file, pcmWav(8000, 1, { finalized: false }));
      const result = await run(dialArgs({ recording: file, seconds: "3" }), {
        env: { SEND_RECORD_TO_SERVICE: "yes", RECORD_WAIT: "20" },
        requests: 1,
      });
      expect(result.code).toBe(0);
      expect(result.ms).toBeLessThan(5_000);
      expect(result.received.map((r) => r.query.type)).toEqual(["hangup"]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(stub.received.map((r) => r.query.type)).toEqual(["hangup"]);
      // MixMonitor closes the file: the rest of the audio, then the true sizes in the header.
      await writeFile(file, final);
      await waitFor(() => stub.received.length >= 2);
      const upload = stub.received[1]!;
      expect(upload.query.type).toBe("upload");
      expect(upload.file?.equals(final)).toBe(true);
    });

    it("uploads a file of another format once no process holds it open", async () => {
      const file = path.join(dir, "held.gsm");
      await writeFile(file, Buffer.alloc(3300, 7));
      const holder = spawn("bash", ["-c", 'exec 3>>"$1"; sleep 2', "hold", file]);
      const closed = new Promise((resolve) => holder.on("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const result = await run(dialArgs({ recording: file }), { env: { SEND_RECORD_TO_SERVICE: "yes" }, requests: 1 });
      expect(result.received.map((r) => r.query.type)).toEqual(["hangup"]);
      await closed;
      const at = Date.now();
      await waitFor(() => stub.received.length >= 2);
      expect(stub.received[1]?.file?.length).toBe(3300);
      expect(Date.now() - at).toBeLessThan(5_000);
    });

    it("sends an unfinished recording after RECORD_WAIT seconds, and says so", async () => {
      const file = path.join(dir, "never-closed.wav");
      await writeFile(file, pcmWav(8000, 1, { finalized: false }));
      const result = await run(dialArgs({ recording: file }), {
        env: { SEND_RECORD_TO_SERVICE: "yes", RECORD_WAIT: "1" },
        requests: 2,
      });
      expect(result.received[1]?.file?.equals(pcmWav(8000, 1, { finalized: false }))).toBe(true);
      await waitFor(async () => (await logOf()).includes("upload: HTTP 200"));
      expect(await logOf()).toContain("the recording is still being written after 1 s; sending it as it is");
    });

    it("sends no upload when the setting is off or there is no file", async () => {
      const off = await run(dialArgs({ recording: recording() }));
      const missing = await run(dialArgs({ recording: path.join(dir, "missing.wav") }), {
        env: { SEND_RECORD_TO_SERVICE: "yes" },
      });
      for (const result of [off, missing]) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(result.received.map((r) => r.query.type)).toEqual(["hangup"]);
        expect(result.received[0]?.query.recording).toBeUndefined();
      }
    });

    it("sends the URL printed by a redefined record_path (RECORD_PATH)", async () => {
      const script = (await readFile(scriptPath, "utf8")).replace(
        'record_path() { echo ""; }',
        'record_path() { echo "https://login:password@my-server.ru/asterisk/${1#' + dir + '/}"; }',
      );
      const result = await run(dialArgs({ recording: recording() }), { script });
      expect(result.received[0]?.query.path).toBe(
        "https://login:password@my-server.ru/asterisk/2026-11-23/in-101-+79001234567 (1);type=x.wav",
      );
    });
  });

  describe("failures", () => {
    it("exits 0 in time and logs the failures when the service is down", async () => {
      const closed = createServer();
      const port = await listen(closed);
      await new Promise((resolve) => closed.close(resolve));
      const script = renderEventSh({ serviceUrl: `http://127.0.0.1:${port}`, clientId: CLIENT_ID });
      const recording = path.join(dir, "down.wav");
      await writeFile(recording, pcmWav(8000, 1));
      const result = await run(dialArgs({ recording }), { script, env: { SEND_RECORD_TO_SERVICE: "yes" } });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.ms).toBeLessThan(15_000);
      expect(result.log).toMatch(/\[1717171717\.5\] hangup failed: curl exit code 7: /);
      await waitFor(async () => (await logOf()).includes("upload failed"));
      expect(await logOf()).toMatch(/\[1717171717\.5\] upload failed: curl exit code 7: curl: \(7\) .*\n/);
    });

    it("repeats a request the service answered 503, after the pause it asked for, and the recording with it", async () => {
      const recording = path.join(dir, "retry.wav");
      await writeFile(recording, pcmWav(8000, 1));
      stub.unavailable = 2;
      const hangups = await run(dialArgs({ recording }), { requests: 3 });
      expect(hangups.code).toBe(0);
      expect(hangups.received.map((r) => r.query.type)).toEqual(["hangup", "hangup", "hangup"]);
      expect(hangups.log).toMatch(/hangup: HTTP 200/);
      expect(hangups.ms).toBeGreaterThan(1_500);

      stub.unavailable = 0;
      stub.unavailableType = "upload";
      stub.unavailableUploads = 2;
      const result = await run(dialArgs({ recording }), { env: { SEND_RECORD_TO_SERVICE: "yes" }, requests: 4 });
      expect(result.received.map((r) => r.query.type)).toEqual(["hangup", "upload", "upload", "upload"]);
      expect(result.received[3]!.file).toEqual(result.received[1]!.file);
      expect(result.received[2]!.file!.length).toBeGreaterThan(44);
      await waitFor(async () => (await logOf()).includes("upload: HTTP 200"));
      expect(await logOf()).toMatch(/upload: HTTP 200/);
    });

    it("logs an HTTP error with the service's answer", async () => {
      stub.status = 400;
      try {
        const result = await run(dialArgs({ phone: "" }));
        expect(result.code).toBe(0);
        expect(result.log).toContain(
          'hangup failed: HTTP 400: {"success":false,"errorMsg":"parameter phone is required for type=hangup"}',
        );
      } finally {
        stub.status = 200;
      }
    });

    it("sends nothing without a clientId and says why", async () => {
      const script = renderEventSh({ serviceUrl: stub.url });
      const result = await run(dialArgs(), { script });
      expect(result).toMatchObject({ code: 0, received: [] });
      expect(result.log).toContain("CLIENTID is empty or not a clientId");
    });

    it("exits 0 without arguments", async () => {
      const result = await run([]);
      expect(result).toMatchObject({ code: 0, stderr: "", received: [] });
      expect(result.log).toContain("argument 2 must be the uniqueid");
    });

    it("exits 0 when the debug log cannot be written", async () => {
      const result = await run(dialArgs(), { env: { DEBUG_LOG: path.join(dir, "no-such-dir", "debug.log") } });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.received).toHaveLength(1);
    });

    it.each([
      ["empty", ""],
      ["lines that are not AGI, then EOF", "hello\nworld"],
    ])("does not wait on stdin that is %s", async (_name, stdin) => {
      const result = await run(dialArgs(), { stdin });
      expect(result.code).toBe(0);
      expect(result.ms).toBeLessThan(5_000);
      expect(result.received).toHaveLength(1);
    });

    it("gives up on stdin that stays open and silent after a second", async () => {
      const result = await run(dialArgs(), { stdin: "open" });
      expect(result.code).toBe(0);
      expect(result.ms).toBeGreaterThanOrEqual(900);
      expect(result.ms).toBeLessThan(5_000);
      expect(result.received).toHaveLength(1);
    });
  });
});
