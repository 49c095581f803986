// A full run of the service through its real code over HTTP, for log-secrets.test.ts: two accounts
// connected (and failed logins), extensions mapped, AMI settings saved (and failed checks), the
// dialplan's lookups and events, delivery by the queue worker through CRM outages and refusals,
// click-to-call that works and that fails every way, the CRM's callbacks, unknown clientIds.
// Run as `node --import tsx e2e/setup/full-run.ts` with LOG_LEVEL=trace and DATABASE_URL; every log
// line goes to stdout. The secrets it used are written to $FULL_RUN_REPORT (never to stdout), so the
// test can look for them in the output. Progress lines on stderr start with "# ".
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createAsteriskSim, type AmiUser } from "../sim/asterisk";
import { createRetailCrmSim, DEMO, hmacToken, seedDemo } from "../sim/retailcrm";
import { mapExtensions } from "./factories";
import { serveRoutes } from "./route-server";
import * as accountRoute from "../../app/account/route";
import * as activityRoute from "../../app/api/crm/activity/route";
import * as configRoute from "../../app/api/crm/config/route";
import * as makeCallRoute from "../../app/api/crm/make-call/route";
import * as registerRoute from "../../app/api/crm/register/route";
import * as userStatusRoute from "../../app/api/crm/user-status/route";
import * as eventRoute from "../../app/api/event/route";
import * as managerRoute from "../../app/api/manager/route";
import * as eventShRoute from "../../app/data/event.sh/route";
import * as recordingRoute from "../../app/recordings/[id]/[sig]/route";
import { saveAsteriskSettings, testAmi, connectAccount, rotateClientId, pushExtensions } from "../../lib/accounts";
import { closeAmiSessions } from "../../lib/asterisk/ami/pool";
import { encryptSecret } from "../../lib/crypto/secrets";
import { db, disconnectDb } from "../../lib/db/client";
import { startDeliveryWorker } from "../../lib/delivery";
import { clearCallerCache } from "../../lib/dialplan";
import { pcmWav } from "../fixtures/audio";
import { until } from "./until";
import { amiForm } from "./ami-form";
import { FAST_DELIVERY } from "./delivery";

/** What the run used that must never reach a log: written to $FULL_RUN_REPORT for the test. */
export interface FullRunReport {
  apiKeys: string[];
  amiSecrets: string[];
  /** The password of a database URL the service was pointed at during a database outage. */
  databasePasswords: string[];
  /** clientIds that stopped being any account's during the run (rotated away). */
  retiredClientIds: string[];
  steps: string[];
}

// Secrets with characters that URL and form encoding change, so an encoded copy is not the raw one.
const token = () => randomBytes(12).toString("base64url");
const apiKeyA = `KeyA+${token()}/=`;
const apiKeyB = `KeyB+${token()}/=`;
const wrongApiKey = `KeyW+${token()}/=`;
const amiA: AmiUser = { username: "crm-a", secret: `a p@ss/${token()}&=+%`, read: "call", write: "originate,agent" };
const amiB: AmiUser = { username: "crm-b", secret: `b p@ss/${token()}&=+%`, read: "call", write: "originate,agent" };
const wrongAmiSecret = `w p@ss/${token()}&=+%`;
const viewer: AmiUser = { username: "viewer", secret: `v p@ss/${token()}&=+%`, read: "call", write: "reporting" };
const databasePassword = `db-${token()}`;

const report: FullRunReport = {
  apiKeys: [apiKeyA, apiKeyB, wrongApiKey],
  amiSecrets: [amiA.secret, amiB.secret, wrongAmiSecret, viewer.secret],
  databasePasswords: [databasePassword],
  retiredClientIds: [],
  steps: [],
};

function saveReport(): void {
  if (process.env.FULL_RUN_REPORT) writeFileSync(process.env.FULL_RUN_REPORT, JSON.stringify(report));
}

const started = Date.now();
function step(name: string): void {
  report.steps.push(name);
  process.stderr.write(`# ${((Date.now() - started) / 1000).toFixed(1)} s: ${name}\n`);
}

let sources = 0;
/** Unknown clientIds are throttled per source address: each batch of them comes from an address of its own. */
const freshSource = () => ({ "x-forwarded-for": `203.0.113.${++sources}` });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  saveReport();
  const databaseUrl = process.env.DATABASE_URL!;
  const marketplaceSecret = process.env.MARKETPLACE_SECRET!;

  step("simulators and routes");
  const crmA = await createRetailCrmSim();
  seedDemo(crmA);
  crmA.addKey({ ...DEMO.key, key: apiKeyA });
  const crmB = await createRetailCrmSim();
  seedDemo(crmB);
  crmB.addKey({ ...DEMO.key, key: apiKeyB });
  const pbxA = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 50, users: [amiA, viewer] });
  const pbxB = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 50, users: [amiB] });
  const app = await serveRoutes({
    "/api/crm/config": configRoute,
    "/api/crm/register": registerRoute,
    "/api/crm/activity": activityRoute,
    "/api/crm/make-call": makeCallRoute,
    "/api/crm/user-status": userStatusRoute,
    "/api/manager": managerRoute,
    "/api/event": eventRoute,
    "/account": accountRoute,
    "/data/event.sh": eventShRoute,
    "/recordings/[id]/[sig]": recordingRoute,
  });
  // The CRM calls back at the served routes (read once, by the first env() call).
  process.env.PUBLIC_URL = app.url;
  const worker = await startDeliveryWorker(databaseUrl, { ...FAST_DELIVERY, concurrency: 4 });

  const get = (path: string, query: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}?${new URLSearchParams(query)}`, { headers }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { method: "POST", body: new URLSearchParams(form), headers, redirect: "manual" }).then(
      async (r) => ({ status: r.status, text: await r.text() }),
    );

  step("marketplace connection: bad token, wrong key, then A");
  await get("/api/crm/config", {});
  const register = (apiKey: string, tokenFor = apiKey, systemUrl = crmA.url) =>
    post("/api/crm/register", {
      register: JSON.stringify({ systemUrl, apiKey, token: hmacToken(marketplaceSecret, tokenFor) }),
    });
  await register(apiKeyA, wrongApiKey);
  await register(wrongApiKey);
  await post("/api/crm/register", { register: "{not json" });
  const connected = await crmA.simpleConnect({
    configUrl: `${app.url}/api/crm/config`,
    secret: marketplaceSecret,
    apiKey: apiKeyA,
    systemUrl: crmA.url,
  });
  if (connected.register?.status !== 200) throw new Error(`connecting A failed: HTTP ${connected.register?.status}`);
  const A = await db().account.findUniqueOrThrow({ where: { crmUrl: `${crmA.url}/` } });

  step("login form: wrong key, unreachable CRM, CRM down, then B");
  // What the sign-in provider's authorize() does (next-auth's CommonJS provider cannot be loaded outside Next's bundler).
  const login = (crmUrl: string, apiKey: string) =>
    connectAccount({ crmUrl, apiKey }).catch((error: Error) => error.message);
  await login(crmB.url, wrongApiKey);
  await login("http://127.0.0.1:1", apiKeyB);
  crmB.setOutage("http502");
  await login(crmB.url, apiKeyB);
  crmB.setOutage("none");
  await login(crmB.url, apiKeyB);
  await login(crmB.url, apiKeyB);
  const B = await db().account.findUniqueOrThrow({ where: { crmUrl: `${crmB.url}/` } });

  step("extensions: read users, map, push (and a push the CRM refuses)");
  await mapExtensions(A.id, { 3: "101", 4: "102" });
  await mapExtensions(B.id, { 3: "201", 4: "202" });
  crmA.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/integration-modules",
    body: { success: false, errorMsg: "Errors in the entity format", errors: { code: "invalid" } },
  });
  await pushExtensions(A.id).catch(() => undefined);

  step("AMI settings: failed checks (wrong password, unreachable, no permission), then saved");
  await testAmi(A.id, amiForm(pbxA, amiA, "HTTP", { amiSecret: wrongAmiSecret }));
  await testAmi(A.id, amiForm(pbxA, amiA, "TCP", { amiSecret: wrongAmiSecret }));
  await saveAsteriskSettings(A.id, amiForm(pbxA, amiA, "HTTP", { amiSecret: wrongAmiSecret }));
  await testAmi(A.id, amiForm(pbxA, amiA, "TCP", { amiPort: "1" }));
  await testAmi(A.id, amiForm(pbxA, amiA, "HTTP", { amiPort: "1" }));
  await testAmi(A.id, amiForm(pbxA, viewer, "TCP"));
  await saveAsteriskSettings(A.id, amiForm(pbxA, amiA, "HTTP"));
  await saveAsteriskSettings(B.id, amiForm(pbxB, amiB, "TCP", { sendOutEvent: true, pauseQueueWhenAway: true }));
  await testAmi(B.id, amiForm(pbxB, amiB, "TCP", { amiSecret: "" }));

  step("/api/manager: hits, misses, a CRM outage, rate limits, a slow CRM, unknown clientIds");
  const manager = (clientId: string, phone: string, type = "json", headers: Record<string, string> = {}) =>
    get("/api/manager", { clientId, phone, type }, headers);
  for (const account of [A, B]) {
    await manager(account.clientId, "+79001234567");
    await manager(account.clientId, "89001234568", "text");
    await manager(account.clientId, "+79990000000");
  }
  await clearCallerCache();
  crmA.setOutage("reset");
  await manager(A.clientId, "+79001234567");
  crmA.setOutage("none");
  await clearCallerCache();
  crmA.failNext(10, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
  await manager(A.clientId, "+79001234567", "text");
  await clearCallerCache();
  crmA.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/manager",
    body: { success: false, errorMsg: "Errors in the input parameters" },
  });
  await manager(A.clientId, "+79001234567", "text");
  await clearCallerCache();
  crmB.setLatency(1_000, "/api/v5/telephony/manager");
  await manager(B.clientId, "+79001234567");
  crmB.setLatency(0, "/api/v5/telephony/manager");
  await manager(A.clientId, "", "json");
  const unknown = freshSource();
  for (const clientId of ["f".repeat(64), A.clientId.slice(0, 63), A.clientId.toUpperCase(), `${A.clientId}x`])
    await manager(clientId, "+79001234567", "json", unknown);

  step("/api/event: in, out, hangup, upload; bad input, duplicates, unknown clientIds, a switched-off module");
  const event = (clientId: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    post("/api/event", { clientId, ...params }, headers);
  for (const [account, prefix] of [
    [A, "1900000001"],
    [B, "1900000002"],
  ] as const) {
    await event(account.clientId, { type: "in", uniqueid: `${prefix}.1`, phone: "+79001234567", code: "" });
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.1`,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 12:00:00",
      hold: "5",
      duration: "42",
    });
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.1`,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 12:00:00",
    });
    await event(account.clientId, { type: "out", uniqueid: `${prefix}.2`, phone: "89001234568", code: "102" });
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.2`,
      phone: "89001234568",
      code: "102",
      status: "SOMETHING ODD",
      direct: "out",
    });
    // Recordings are taken for calls the account has.
    for (const n of [3, 4])
      await event(account.clientId, { type: "in", uniqueid: `${prefix}.${n}`, phone: "+79001234567", code: "101" });
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(pcmWav(8000, 1))]), "rec.wav");
    await fetch(
      `${app.url}/api/event?${new URLSearchParams({ clientId: account.clientId, type: "upload", uniqueid: `${prefix}.3` })}`,
      { method: "POST", body: form },
    );
    await fetch(
      `${app.url}/api/event?${new URLSearchParams({ clientId: account.clientId, type: "upload", uniqueid: `${prefix}.4` })}`,
      { method: "POST", body: "<?php echo 1; ?>", headers: { "content-type": "application/octet-stream" } },
    );
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.3`,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 12:10:00",
      duration: "1",
    });
    await event(account.clientId, { type: "ring", uniqueid: `${prefix}.5`, phone: "1" });
    await event(account.clientId, { type: "in", uniqueid: "1.1'; DROP TABLE calls;--", phone: "1" });
    // A NUL byte, which PostgreSQL cannot store.
    await event(account.clientId, { type: "in", uniqueid: `${prefix}.6`, phone: "+7900\u0000123" });
  }
  const unknownEvents = freshSource();
  await event("f".repeat(64), { type: "in", uniqueid: "1.1", phone: "1" }, unknownEvents);
  await event(A.clientId.replace(/.$/, "0"), { type: "hangup", uniqueid: "1.1", phone: "1" }, unknownEvents);
  // The CRM changes its module, then calls back: the service reads the module's state from it.
  crmB.state.modules.get(B.moduleCode)!.freeze = true;
  await post("/api/crm/activity", { clientId: B.clientId, activity: '{"active":true,"freeze":true}' });
  await event(B.clientId, { type: "in", uniqueid: "1900000002.9", phone: "1" });
  crmB.state.modules.get(B.moduleCode)!.freeze = false;
  await post("/api/crm/activity", { clientId: B.clientId, activity: '{"active":true,"freeze":false}' });

  step("a day of calls on both accounts");
  await Promise.all(
    (
      [
        [A, "1900000101"],
        [B, "1900000102"],
      ] as const
    ).map(async ([account, prefix]) => {
      for (let i = 0; i < 12; i++) {
        const uniqueid = `${prefix}.${i}`;
        const direct = i % 3 === 0 ? "out" : "in";
        await event(account.clientId, {
          type: direct,
          uniqueid,
          phone: "+79001234567",
          code: direct === "out" ? "102" : "101,102",
        });
        await event(account.clientId, {
          type: "hangup",
          uniqueid,
          phone: "+79001234567",
          code: "101",
          status: ["ANSWER", "BUSY", "NOANSWER", "CANCEL"][i % 4]!,
          direct,
          duration: String(i * 7),
        });
        await manager(
          account.clientId,
          i % 2 ? "+79001234567" : `+7900555${String(i).padStart(4, "0")}`,
          i % 2 ? "text" : "json",
        );
      }
    }),
  );

  step("delivery: CRM 503s, an outage, 4xx refusals, then everything delivered");
  await until(
    () => db().delivery.count({ where: { state: "QUEUED" } }),
    (n) => n === 0,
    20_000,
  );
  crmA.failNext(12, {
    status: 503,
    pathPrefix: "/api/v5/telephony",
    body: { success: false, errorMsg: "Rate limit exceeded" },
  });
  crmB.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/call/event",
    body: { success: false, errorMsg: "Errors in the entity format", errors: { phone: "invalid" } },
  });
  crmB.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/calls/upload",
    body: { success: false, errorMsg: "Errors in the entity format" },
  });
  for (const [account, prefix] of [
    [A, "1900000011"],
    [B, "1900000012"],
  ] as const) {
    await event(account.clientId, { type: "in", uniqueid: `${prefix}.1`, phone: "+79001234567", code: "101" });
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.1`,
      phone: "+79001234567",
      code: "101",
      status: "BUSY",
      direct: "in",
      date: "2026-11-23 13:00:00",
    });
  }
  await until(
    () => db().deliveryAttempt.count({ where: { httpStatus: 503 } }),
    (n) => n >= 1,
    20_000,
  );
  crmA.setOutage("reset");
  crmB.setOutage("http502");
  for (const [account, prefix] of [
    [A, "1900000021"],
    [B, "1900000022"],
  ] as const) {
    await event(account.clientId, {
      type: "hangup",
      uniqueid: `${prefix}.1`,
      phone: "+79001234567",
      code: "101",
      status: "NOANSWER",
      direct: "in",
      date: "2026-11-23 14:00:00",
    });
  }
  await until(
    () => db().deliveryAttempt.count({ where: { httpStatus: null } }),
    (n) => n >= 1,
    20_000,
  );
  await until(
    () => db().deliveryAttempt.count({ where: { httpStatus: 502 } }),
    (n) => n >= 1,
    20_000,
  );
  await sleep(900);
  crmA.setOutage("none");
  crmB.setOutage("none");
  await until(
    () => db().delivery.count({ where: { state: "QUEUED" } }),
    (n) => n === 0,
    30_000,
  );

  step("click-to-call: success over HTTP and TCP, every PBX failure, wrong extensions, unknown clientIds");
  const makeCall = (clientId: string, code: string, userId: string, headers: Record<string, string> = {}) =>
    get("/api/crm/make-call", { clientId, code, phone: "+7 (900) 123-45-67", userId }, headers);
  await makeCall(A.clientId, "101", "3");
  await makeCall(B.clientId, "201", "3");
  await makeCall(A.clientId, "102", "3");
  await makeCall(A.clientId, "abc", "3");
  await db().asteriskSettings.update({
    where: { accountId: A.id },
    data: { amiSecretEnc: encryptSecret(wrongAmiSecret) },
  });
  await makeCall(A.clientId, "101", "3");
  await db().asteriskSettings.update({
    where: { accountId: A.id },
    data: { amiTransport: "TCP", amiPort: pbxA.tcpPort! },
  });
  await makeCall(A.clientId, "101", "3");
  await db().asteriskSettings.update({
    where: { accountId: A.id },
    data: { amiLogin: viewer.username, amiSecretEnc: encryptSecret(viewer.secret) },
  });
  await makeCall(A.clientId, "101", "3");
  await db().asteriskSettings.update({
    where: { accountId: A.id },
    data: { amiLogin: amiA.username, amiSecretEnc: encryptSecret(amiA.secret), amiPort: 1 },
  });
  await makeCall(A.clientId, "101", "3");
  await db().asteriskSettings.update({ where: { accountId: A.id }, data: { amiTransport: "HTTP", amiPort: 1 } });
  await makeCall(A.clientId, "101", "3");
  await db().asteriskSettings.update({ where: { accountId: A.id }, data: { amiPort: pbxA.httpPort! } });
  pbxA.setMode("hang");
  await closeAmiSessions();
  await makeCall(A.clientId, "101", "3");
  pbxA.setMode("refuse");
  await makeCall(A.clientId, "101", "3");
  pbxA.setMode("normal");
  await makeCall(A.clientId, "101", "3");
  const unknownCalls = freshSource();
  await makeCall("b".repeat(64), "101", "3", unknownCalls);
  await makeCall(A.clientId.slice(1), "101", "3", unknownCalls);

  step("CRM callbacks: user status (with queue pauses), activity, a moved systemUrl, accountUrl, event.sh, recordings");
  for (const status of ["dinner", "free", "sleeping"])
    await get("/api/crm/user-status", { clientId: B.clientId, userId: "3", code: "201", status });
  pbxB.setMode("refuse");
  await closeAmiSessions();
  await get("/api/crm/user-status", { clientId: B.clientId, userId: "3", code: "201", status: "break" });
  pbxB.setMode("normal");
  await get("/api/crm/user-status", { clientId: A.clientId, userId: "99", status: "busy" });
  const unknownCallbacks = freshSource();
  await get("/api/crm/user-status", { clientId: "c".repeat(64), userId: "3", status: "busy" }, unknownCallbacks);
  crmA.state.modules.get(A.moduleCode)!.active = false;
  await post("/api/crm/activity", { clientId: A.clientId, activity: '{"active":false,"freeze":false}' });
  // A clientId alone cannot switch it back on; the CRM can.
  await post("/api/crm/activity", { clientId: A.clientId, activity: '{"active":true,"freeze":false}' });
  crmA.state.modules.get(A.moduleCode)!.active = true;
  await post("/api/crm/activity", { clientId: A.clientId, activity: '{"active":true,"freeze":false}' });
  await post(
    "/api/crm/activity",
    { clientId: "d".repeat(64), activity: '{"active":true,"freeze":false}' },
    unknownCallbacks,
  );
  await post("/api/crm/activity", { clientId: A.clientId, activity: "{" });
  // A move the CRM does not confirm is refused; one both addresses of the account confirm goes ahead, and back.
  const elsewhere = await createRetailCrmSim();
  await post("/api/crm/activity", {
    clientId: A.clientId,
    activity: '{"active":true,"freeze":false}',
    systemUrl: elsewhere.url,
  });
  await elsewhere.close();
  const moved = await createRetailCrmSim(undefined, crmA);
  crmA.state.systemUrls = { publicUrl: crmA.url, technicalUrl: moved.url };
  // Confirmed there, then re-registering there fails: the move stands, and the log says so.
  moved.failNext(1, { status: 500, pathPrefix: `/api/v5/integration-modules/${A.moduleCode}/edit` });
  await post("/api/crm/activity", {
    clientId: A.clientId,
    activity: '{"active":true,"freeze":false}',
    systemUrl: moved.url,
  });
  await post("/api/crm/activity", {
    clientId: A.clientId,
    activity: '{"active":true,"freeze":false}',
    systemUrl: crmA.url,
  });
  await moved.close();
  crmA.state.systemUrls = {};
  await post("/account", { clientId: A.clientId });
  await get("/account", { clientId: "e".repeat(64) }, unknownCallbacks);
  await get("/data/event.sh", { clientId: A.clientId });
  await get("/data/event.sh", { clientId: "e".repeat(64) }, unknownCallbacks);
  const link = crmA.state.calls.map((c) => String(c.call.recordUrl ?? "")).find((url) => url.includes("/recordings/"));
  if (link) {
    const path = new URL(link).pathname;
    await fetch(`${app.url}${path}`, { headers: { range: "bytes=0-99" } }).then((r) => r.arrayBuffer());
    await fetch(`${app.url}${path.replace(/.$/, (c) => (c === "A" ? "B" : "A"))}`).then((r) => r.arrayBuffer());
  }

  step("a source guessing clientIds is throttled");
  const guesser = freshSource();
  for (let i = 0; i < 35; i++) await manager(randomBytes(32).toString("hex"), "+79001234567", "json", guesser);
  await event(A.clientId, { type: "in", uniqueid: "1900000031.1", phone: "1" }, guesser);

  step("the database out of reach for a moment (a URL with a password)");
  const realDatabase = process.env.DATABASE_URL!;
  process.env.DATABASE_URL = `postgresql://bridge:${encodeURIComponent(databasePassword)}@127.0.0.1:1/bridge`;
  await manager(A.clientId, "+79001234567");
  await event(B.clientId, { type: "in", uniqueid: "1900000041.1", phone: "1" });
  await get("/api/crm/make-call", { clientId: A.clientId, code: "101", phone: "1", userId: "3" });
  process.env.DATABASE_URL = realDatabase;
  await manager(A.clientId, "+79001234567");

  step("clientId rotation: the old one stops working");
  const retired = A.clientId;
  report.retiredClientIds.push(retired);
  saveReport();
  await rotateClientId(A.id);
  await manager(retired, "+79001234567", "json", freshSource());

  step("done");
  await worker.stop();
  await closeAmiSessions();
  await app.close();
  await Promise.all([crmA.close(), crmB.close(), pbxA.close(), pbxB.close()]);
  saveReport();
  await disconnectDb();
}

await main();
// The run is over: pending timers (keep-alive agents, AMI keepalives) must not keep it alive.
process.exit(0);
