// Tenant isolation: two retailCRM accounts, A and B, each with its own CRM (simulator), API key,
// Asterisk (simulator) and AMI user, share the bridge. Holding only A's credentials (A's clientId,
// A's signed recording links, a cabinet session of A) nothing of B's can be read or changed,
// through every endpoint over HTTP and every cabinet server action. Each check compares a full
// snapshot of B's rows (updatedAt included) and what B's CRM and PBX received before and after.
import { decode } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createAsteriskSim, type AmiUser, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createRetailCrmSim, DEMO, hmacToken, seedDemo, type RetailCrmSim, type SimApiKey } from "@/e2e/sim/retailcrm";
import { mapExtensions } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as accountRoute from "@/app/account/route";
import * as amiConnectionRoute from "@/app/api/cabinet/ami-connection/route";
import * as journalRoute from "@/app/api/cabinet/calls/route";
import * as activityRoute from "@/app/api/crm/activity/route";
import * as registerRoute from "@/app/api/crm/register/route";
import * as makeCallRoute from "@/app/api/crm/make-call/route";
import * as userStatusRoute from "@/app/api/crm/user-status/route";
import * as eventRoute from "@/app/api/event/route";
import * as managerRoute from "@/app/api/manager/route";
import * as eventShRoute from "@/app/data/event.sh/route";
import * as recordingRoute from "@/app/recordings/[id]/[sig]/route";
import { rotateClientIdAction } from "@/components/api/actions";
import { saveAsteriskSettingsAction, testAmiAction } from "@/components/asterisk/actions";
import { retryDeliveryAction } from "@/components/calls/actions";
import { pushExtensionsAction, refreshUsersAction, saveExtensionAction } from "@/components/phones/actions";
import { saveAsteriskSettings, connectAccount, phonesForCabinet } from "@/lib/accounts";
import { authOptions, sessionAccountId, sessionGrant } from "@/lib/auth";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { db } from "@/lib/db/client";
import { startDeliveryWorker } from "@/lib/delivery";
import { clearCallerCache } from "@/lib/dialplan";
import { listCalls } from "@/lib/journal";
import PhonesPage from "@/app/(cabinet)/cabinet/phones/page";
import { signRecordingPath } from "@/lib/recordings";
import { pcmWav } from "@/e2e/fixtures/audio";
import type { AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";
import { until } from "@/e2e/setup/until";
import { amiForm } from "@/e2e/setup/ami-form";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";

// Sources differ by X-Forwarded-For, as behind a proxy of ours on loopback.
vi.hoisted(() => {
  process.env.TRUSTED_PROXIES = "127.0.0.1, ::1";
});

// The cabinet "session": whatever account id the test signs in with. Server actions and the
// session-aware routes read it through lib/auth/session, exactly where getServerSession would answer.
const session = vi.hoisted(() => ({ accountId: null as string | null }));
vi.mock("@/lib/auth/session", async (importOriginal) => {
  const real = await importOriginal<object>();
  return {
    ...real,
    sessionAccountId: async () => session.accountId,
    requireAccount: async () => {
      const { db: database } = await import("@/lib/db/client");
      const account = session.accountId
        ? await database().account.findUnique({ where: { id: session.accountId } })
        : null;
      if (!account) throw new Error("NEXT_REDIRECT: /login");
      return account;
    },
  };
});
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));
// The cookies a server action sets, as the browser would keep them.
const cookieJar = vi.hoisted(() => new Map<string, string>());
vi.mock("next/headers", () => ({
  cookies: async () => ({ set: (name: string, value: string) => cookieJar.set(name, value) }),
}));

type Tenant = { id: string; clientId: string; crmUrl: string; moduleCode: string };

const B_KEY: SimApiKey = { ...DEMO.key, key: "tenant-b-api-key-7f3e" };
const amiA: AmiUser = { username: "pbx-a", secret: "ami-secret-of-a", read: "call", write: "originate,agent" };
const amiB: AmiUser = { username: "pbx-b", secret: "ami-secret-of-b", read: "call", write: "originate,agent" };
const ENCRYPTION_KEY = process.env.ENCRYPTION_KEY!;
// A uniqueid B's PBX used; A's dialplan sends the same one later (PBXs number calls independently).
const SHARED_UNIQUEID = "1800000000.1";
const audioA = pcmWav(8000, 1);
const audioB = pcmWav(8000, 2);

let crmA: RetailCrmSim;
let crmB: RetailCrmSim;
let pbxA: AsteriskSim;
let pbxB: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: Awaited<ReturnType<typeof startDeliveryWorker>>;
let A: Tenant;
let B: Tenant;
let recordingOfB: number;
let failedDeliveryOfA: number;
let failedDeliveryOfB: number;

let sources = 0;
/** A source address of its own, for requests that carry unknown clientIds (those are throttled per source). */
const freshSource = () => ({ "x-forwarded-for": `198.51.100.${++sources}` });

/** The shared form, with this file's budget and queue pausing on. */
const amiFormOf = (
  pbx: AsteriskSim,
  user: AmiUser,
  transport: "HTTP" | "TCP",
  over: Partial<AsteriskSettingsInput> = {},
) => amiForm(pbx, user, transport, { lookupBudgetMs: "1500", pauseQueueWhenAway: true, ...over });

/** Everything the bridge stores for an account, in a stable order. Equal snapshots mean nothing was touched (updatedAt included). */
async function snapshot(accountId: string) {
  const [account, users, settings, calls, events, recordings, deliveries, attempts] = await Promise.all([
    db().account.findUniqueOrThrow({ where: { id: accountId } }),
    db().crmUser.findMany({ where: { accountId }, orderBy: { id: "asc" } }),
    db().asteriskSettings.findUnique({ where: { accountId } }),
    db().call.findMany({ where: { accountId }, orderBy: { id: "asc" } }),
    db().callEvent.findMany({ where: { accountId }, orderBy: { id: "asc" } }),
    db().recording.findMany({ where: { accountId }, orderBy: { id: "asc" } }),
    db().delivery.findMany({ where: { accountId }, orderBy: { id: "asc" } }),
    db().deliveryAttempt.findMany({ where: { delivery: { accountId } }, orderBy: { id: "asc" } }),
  ]);
  return { account, users, settings, calls, events, recordings, deliveries, attempts };
}

/** What B's side of the world looks like: B's rows, and what B's CRM and B's PBX have received. */
async function worldOfB() {
  return {
    rows: await snapshot(B.id),
    crmRequests: crmB.requests.length,
    crmModules: JSON.stringify([...crmB.state.modules.values()]),
    pbxActions: pbxB.actions.length,
  };
}

const settled = (accountId: string) =>
  until(
    () => db().delivery.count({ where: { accountId, state: "QUEUED" } }),
    (n) => n === 0,
  );

async function event(clientId: string, params: Record<string, string>) {
  const response = await fetch(`${app.url}/api/event`, {
    method: "POST",
    body: new URLSearchParams({ clientId, ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function upload(clientId: string, uniqueid: string, audio: Buffer) {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(audio)]), "record.wav");
  const response = await fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    method: "POST",
    body: form,
  });
  return (await response.json()) as { success: boolean; duplicate: boolean; recordingId?: number };
}

async function manager(clientId: string, phone: string): Promise<string> {
  const response = await fetch(`${app.url}/api/manager?${new URLSearchParams({ clientId, phone, type: "text" })}`);
  expect(response.status).toBe(200);
  return response.text();
}

async function callback(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}${path}?${new URLSearchParams(fields)}`, { headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** The accountUrl the tenant's CRM holds now (with its one-time token), at this test's server. */
function accountUrlOf(tenant: Tenant): string {
  const { pathname, search } = new URL(
    (tenant.id === A.id ? crmA : crmB).state.modules.get(tenant.moduleCode)!.accountUrl!,
  );
  return `${app.url}${pathname}${search}`;
}

/** «Перейти в личный кабинет» with a clientId: the account id inside the session cookie /account issues (null: no session). */
async function sessionFor(clientId: string, url: string, headers: Record<string, string> = {}): Promise<string | null> {
  const response = await fetch(url, {
    method: "POST",
    body: new URLSearchParams({ clientId }),
    redirect: "manual",
    headers,
  });
  const cookie = /next-auth\.session-token=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (!cookie) return null;
  const token = await decode({ token: cookie, secret: process.env.NEXTAUTH_SECRET! });
  return token?.accountId ?? null;
}

async function signInAs(tenant: Tenant): Promise<void> {
  session.accountId = await sessionFor(tenant.clientId, accountUrlOf(tenant));
  expect(session.accountId).toBe(tenant.id);
}

beforeAll(async () => {
  crmA = await createRetailCrmSim();
  seedDemo(crmA);
  // A's CRM also has a user 33 (no extension in A) who manages a customer; B's user 33 has extension 101.
  crmA.seedUsers([
    {
      id: 33,
      firstName: "Антон",
      lastName: "Ашин",
      email: "anton@a.example",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
  ]);
  crmA.seedCustomers([
    {
      id: 601,
      firstName: "Антонина",
      lastName: "Ашина",
      managerId: 33,
      site: "demo-shop",
      phones: [{ number: "+79055550002" }],
    },
  ]);

  crmB = await createRetailCrmSim();
  crmB.seedSites(["b-shop"]);
  crmB.addKey(B_KEY);
  crmB.seedUsers([
    // CRM user ids are per CRM: B has a user 3 too.
    {
      id: 3,
      firstName: "Борислава",
      lastName: "Бэшная",
      email: "borislava@b.example",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
    {
      id: 33,
      firstName: "Вадим",
      lastName: "Вэтов",
      email: "vadim@b.example",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
    {
      id: 34,
      firstName: "Григорий",
      lastName: "Гэев",
      email: "grigory@b.example",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
    {
      id: 35,
      firstName: "Дарья",
      lastName: "Дэева",
      email: "darya@b.example",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
  ]);
  crmB.seedCustomers([
    {
      id: 501,
      firstName: "Бэла",
      lastName: "Клиентова",
      managerId: 33,
      site: "b-shop",
      phones: [{ number: "+79055550001" }],
    },
    {
      id: 502,
      firstName: "Тимур",
      lastName: "Двойников",
      managerId: 3,
      site: "b-shop",
      phones: [{ number: "+7 900 123-45-67" }],
    },
    {
      id: 503,
      firstName: "Вера",
      lastName: "Бэкова",
      managerId: 33,
      site: "b-shop",
      phones: [{ number: "+79055550002" }],
    },
  ]);

  pbxA = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 50, users: [amiA] });
  pbxB = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 50, users: [amiB] });

  app = await serveRoutes({
    "/api/manager": managerRoute,
    "/api/event": eventRoute,
    "/api/crm/make-call": makeCallRoute,
    "/api/crm/user-status": userStatusRoute,
    "/api/crm/activity": activityRoute,
    "/api/crm/register": registerRoute,
    "/recordings/[id]/[sig]": recordingRoute,
    "/account": accountRoute,
    "/data/event.sh": eventShRoute,
    "/api/cabinet/calls": journalRoute,
    "/api/cabinet/ami-connection": amiConnectionRoute,
  });

  A = await connectAccount({ crmUrl: crmA.url, apiKey: DEMO.apiKey });
  B = await connectAccount({ crmUrl: crmB.url, apiKey: B_KEY.key });
  await mapExtensions(A.id, { 3: "101", 4: "102" });
  // The same extension 101 in both PBXs, for different people.
  await mapExtensions(B.id, { 3: "201", 33: "101", 34: "202", 35: "203" });
  expect(await saveAsteriskSettings(A.id, amiFormOf(pbxA, amiA, "HTTP"))).toEqual({ ok: true });
  expect(await saveAsteriskSettings(B.id, amiFormOf(pbxB, amiB, "TCP"))).toEqual({ ok: true });

  worker = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency: 4 });

  // B's history: a call with a recording, delivered to B's CRM; and a request B's CRM refused.
  await event(B.clientId, { type: "in", uniqueid: SHARED_UNIQUEID, phone: "+79055550001", code: "101" });
  expect((await upload(B.clientId, SHARED_UNIQUEID, audioB)).success).toBe(true);
  await event(B.clientId, {
    type: "hangup",
    uniqueid: SHARED_UNIQUEID,
    phone: "+79055550001",
    code: "101",
    status: "ANSWER",
    direct: "in",
    date: "2026-11-23 12:00:00",
    duration: "30",
  });
  // The PBX's upload after the hangup takes the place of the one before it: B's recording stays from now on.
  expect(await upload(B.clientId, SHARED_UNIQUEID, audioB)).toMatchObject({ duplicate: false, replaced: true });
  await settled(B.id);
  crmB.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/call/event",
    body: { success: false, errorMsg: "Errors in the entity format" },
  });
  await event(B.clientId, { type: "in", uniqueid: "1800000000.2", phone: "+79055550001", code: "101" });
  await settled(B.id);
  // A's own refused request (the control for «Повторить»).
  crmA.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/call/event",
    body: { success: false, errorMsg: "Errors in the entity format" },
  });
  await event(A.clientId, { type: "in", uniqueid: "1700000000.9", phone: "+79001234567", code: "101" });
  await settled(A.id);

  recordingOfB = (await db().recording.findFirstOrThrow({ where: { accountId: B.id, uniqueid: SHARED_UNIQUEID } })).id;
  failedDeliveryOfB = (await db().delivery.findFirstOrThrow({ where: { accountId: B.id, state: "FAILED" } })).id;
  failedDeliveryOfA = (await db().delivery.findFirstOrThrow({ where: { accountId: A.id, state: "FAILED" } })).id;
  const uploadedToB = crmB.state.calls.find((c) => c.call.externalId === SHARED_UNIQUEID)?.call;
  expect(String(uploadedToB?.recordUrl)).toContain(`/recordings/${recordingOfB}/`);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await closeAmiSessions();
  await app?.close();
  await Promise.all([crmA?.close(), crmB?.close(), pbxA?.close(), pbxB?.close()]);
});

beforeEach(async () => {
  session.accountId = null;
  await clearCallerCache();
});

describe("the dialplan's endpoints with A's clientId", () => {
  it("/api/manager answers from A's CRM with A's extensions only, whatever B knows about the number", async () => {
    const before = await worldOfB();
    // B's customer, managed by B's user 33 (extension 101 in B): A's CRM does not know the number.
    expect(await manager(B.clientId, "+79055550001")).toBe("Бэла Клиентова,101");
    const bRequests = crmB.requests.length;
    expect(await manager(A.clientId, "+79055550001")).toBe(",");
    // The same number is a different customer in each CRM; the caller cache keeps them apart both ways.
    expect(await manager(B.clientId, "+79001234567")).toBe("Тимур Двойников,201");
    expect(await manager(A.clientId, "+79001234567")).toBe("Иван Иванов,101");
    expect(await manager(B.clientId, "89001234567")).toBe("Тимур Двойников,201");
    // A's CRM names its user 33 without a code; A has no extension for them, B's user 33 has 101.
    expect(await manager(A.clientId, "+79055550002")).toBe("Антонина Ашина,");
    expect(await manager(B.clientId, "+79055550002")).toBe("Вера Бэкова,101");
    expect(crmB.requests.length - bRequests).toBe(2);
    expect(crmB.requests.slice(bRequests).every((r) => r.apiKey === B_KEY.key)).toBe(true);
    const after = await worldOfB();
    expect(after.rows).toEqual(before.rows);
  });

  it("/api/event with A's clientId and B's uniqueid makes a call of A's own and leaves B's call alone", async () => {
    const before = await worldOfB();
    const callOfB = await db().call.findUniqueOrThrow({
      where: { accountId_uniqueid: { accountId: B.id, uniqueid: SHARED_UNIQUEID } },
    });
    expect(
      await event(A.clientId, { type: "in", uniqueid: SHARED_UNIQUEID, phone: "+79001234567", code: "102" }),
    ).toEqual({ status: 200, body: { success: true, duplicate: false } });
    expect(
      (
        await event(A.clientId, {
          type: "hangup",
          uniqueid: SHARED_UNIQUEID,
          phone: "+79001234567",
          code: "102",
          status: "BUSY",
          direct: "in",
          date: "2026-11-23 13:00:00",
        })
      ).body,
    ).toEqual({
      success: true,
      duplicate: false,
    });
    const callOfA = await db().call.findUniqueOrThrow({
      where: { accountId_uniqueid: { accountId: A.id, uniqueid: SHARED_UNIQUEID } },
    });
    expect(callOfA.id).not.toBe(callOfB.id);
    expect(callOfA).toMatchObject({ phone: "+79001234567", extension: "102", result: "busy" });
    await settled(A.id);
    const uploadedToA = crmA.state.calls.filter((c) => c.call.externalId === SHARED_UNIQUEID).map((c) => c.call);
    // A's CRM gets A's call, without the recording B uploaded under the same uniqueid.
    expect(uploadedToA).toHaveLength(1);
    expect(uploadedToA[0]).toMatchObject({ phone: "+79001234567", code: "102", result: "busy" });
    expect(uploadedToA[0]?.recordUrl).toBeUndefined();
    expect(
      crmA.state.callEvents.filter((e) => e.event.callExternalId === SHARED_UNIQUEID).map((e) => e.event.codes),
    ).toEqual([["102"], ["102"]]);
    expect(await worldOfB()).toEqual(before);
    expect(crmB.state.calls.filter((c) => c.call.externalId === SHARED_UNIQUEID)).toHaveLength(1);
  });

  it("type=upload with A's clientId and B's uniqueid stores A's recording, linked to A's call only", async () => {
    const before = await worldOfB();
    const stored = await upload(A.clientId, SHARED_UNIQUEID, audioA);
    expect(stored).toMatchObject({ success: true, duplicate: false });
    const recording = await db().recording.findUniqueOrThrow({ where: { id: stored.recordingId! } });
    const callOfA = await db().call.findUniqueOrThrow({
      where: { accountId_uniqueid: { accountId: A.id, uniqueid: SHARED_UNIQUEID } },
    });
    expect(recording).toMatchObject({ accountId: A.id, callId: callOfA.id, sizeBytes: audioA.length });
    // B's upload of that uniqueid does not make A's a duplicate, nor the other way round.
    expect(await upload(B.clientId, SHARED_UNIQUEID, audioB)).toEqual({ success: true, duplicate: true });
    expect(await worldOfB()).toEqual(before);
  });

  it("A's signed recording link cannot fetch B's recording; swapped ids and signatures fail", async () => {
    const recordingOfA = (
      await db().recording.findFirstOrThrow({ where: { accountId: A.id, uniqueid: SHARED_UNIQUEID } })
    ).id;
    const linkOfA = signRecordingPath({ recordingId: recordingOfA }, A.clientId, ENCRYPTION_KEY);
    const linkOfB = signRecordingPath({ recordingId: recordingOfB }, B.clientId, ENCRYPTION_KEY);
    const sigOfA = linkOfA.split("/").at(-1)!;
    const sigOfB = linkOfB.split("/").at(-1)!;
    const get = async (path: string) => {
      const response = await fetch(`${app.url}${path}`);
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    };
    const own = await get(linkOfA);
    expect(own.status).toBe(200);
    expect(own.body.equals(audioA)).toBe(true);
    const theirs = await get(linkOfB);
    expect(theirs.status).toBe(200);
    expect(theirs.body.equals(audioB)).toBe(true);

    expect((await get(`/recordings/${recordingOfB}/${sigOfA}`)).status).toBe(404);
    expect((await get(`/recordings/${recordingOfA}/${sigOfB}`)).status).toBe(404);
    // A link for B's recording signed the way A's links are (with A's clientId) is no link at all.
    expect((await get(signRecordingPath({ recordingId: recordingOfB }, A.clientId, ENCRYPTION_KEY))).status).toBe(404);
    const ranged = await fetch(`${app.url}/recordings/${recordingOfB}/${sigOfA}`, { headers: { range: "bytes=0-43" } });
    expect(ranged.status).toBe(404);
  });

  it("/api/crm/make-call with A's clientId cannot ring B's managers or reach B's PBX", async () => {
    const before = await worldOfB();
    const originatesOfA = pbxA.originates.length;
    const makeCall = (fields: Record<string, string>) =>
      callback("/api/crm/make-call", { clientId: A.clientId, phone: "89001234567", ...fields });
    // B's extension of B's user 3, and B's extension 101 of B's user 33 (A's 101 is A's user 3).
    for (const [code, userId] of [
      ["201", "3"],
      ["202", "34"],
      ["101", "33"],
      ["202", "3"],
    ] as const) {
      expect(await makeCall({ code, userId })).toEqual({
        status: 200,
        json: { success: false, errorMsg: `Внутренний номер ${code} не назначен этому сотруднику в модуле Asterisk` },
        text: expect.any(String),
      });
    }
    expect(pbxA.originates.length).toBe(originatesOfA);
    expect(await worldOfB()).toEqual(before);

    // A's own manager rings through A's PBX only.
    expect((await makeCall({ code: "101", userId: "3" })).json).toEqual({ success: true });
    expect(pbxA.originates.at(-1)?.headers).toMatchObject({ channel: "PJSIP/101", exten: "89001234567" });
    expect(pbxA.originates.at(-1)?.username).toBe(amiA.username);
    expect(await worldOfB()).toEqual(before);
  });

  it("/api/crm/user-status with A's clientId changes A's managers only and never pauses B's queues", async () => {
    const before = await worldOfB();
    const pausesOfA = () => pbxA.actions.filter((a) => a.action.toLowerCase() === "queuepause");
    // B's user 34 exists only in B (A's CRM says so too): A gets no such user; user 3 exists in both CRMs.
    expect(
      await callback("/api/crm/user-status", { clientId: A.clientId, userId: "34", status: "dinner", code: "202" }),
    ).toMatchObject({ status: 404, json: { success: false, errorMsg: "no CRM user 34 in this account" } });
    expect(await db().crmUser.count({ where: { accountId: A.id, crmUserId: 34 } })).toBe(0);
    expect(
      await callback("/api/crm/user-status", { clientId: A.clientId, userId: "3", status: "break", code: "201" }),
    ).toMatchObject({ status: 200, json: { success: true } });
    expect(
      (await db().crmUser.findUniqueOrThrow({ where: { accountId_crmUserId: { accountId: A.id, crmUserId: 3 } } }))
        .status,
    ).toBe("break");
    // The pause went to A's PBX for A's extension of user 3 — not to B's PBX, not for B's extension 201.
    expect(pausesOfA().at(-1)?.headers).toMatchObject({ interface: "PJSIP/101", paused: "true" });
    expect(pausesOfA().every((a) => a.headers.interface === "PJSIP/101")).toBe(true);
    expect(await worldOfB()).toEqual(before);
    await callback("/api/crm/user-status", { clientId: A.clientId, userId: "3", status: "free" });
  });

  it("/api/crm/activity with A's clientId switches A only and cannot take over B's CRM address", async () => {
    const activity = (fields: Record<string, string>) =>
      fetch(`${app.url}/api/crm/activity`, {
        method: "POST",
        body: new URLSearchParams({ clientId: A.clientId, ...fields }),
      });
    const before = await worldOfB();
    // What A's CRM says of its module decides (docs/security.md): it switched A off, then calls back.
    const moduleOfA = crmA.state.modules.get(A.moduleCode)!;
    Object.assign(moduleOfA, { active: false, freeze: true });
    expect((await activity({ activity: '{"active":false,"freeze":true}' })).status).toBe(200);
    expect(await db().account.findUniqueOrThrow({ where: { id: A.id } })).toMatchObject({
      active: false,
      freeze: true,
    });
    expect(await worldOfB()).toEqual(before);
    // A switched off: B's dialplan still works; A's is refused.
    expect(await manager(B.clientId, "+79055550001")).toBe("Бэла Клиентова,101");
    expect((await callback("/api/manager", { clientId: A.clientId, phone: "+79001234567", type: "text" })).status).toBe(
      403,
    );
    Object.assign(moduleOfA, { active: true, freeze: false });
    expect((await activity({ activity: '{"active":true,"freeze":false}' })).status).toBe(200);
  });

  it("/api/crm/activity with A's clientId and B's CRM as the new systemUrl leaves both accounts where they are", async () => {
    const before = await worldOfB();
    const takeover = await fetch(`${app.url}/api/crm/activity`, {
      method: "POST",
      body: new URLSearchParams({
        clientId: A.clientId,
        activity: '{"active":true,"freeze":false}',
        systemUrl: crmB.url,
      }),
    });
    expect(await db().account.findUniqueOrThrow({ where: { id: A.id } })).toMatchObject({
      crmUrl: A.crmUrl,
      active: true,
      freeze: false,
    });
    expect(await worldOfB()).toEqual(before);
    expect(crmB.requests.some((r) => r.apiKey === DEMO.apiKey)).toBe(false);
    // A refusal the CRM can read, not an unhandled unique-constraint error (500).
    expect(takeover.status).toBe(409);
    expect(await takeover.json()).toEqual({
      success: false,
      errorMsg: "Parameter 'systemUrl' is the address of another account connected to this service",
    });
  });
});

describe("the CRM's and the admin's endpoints with A's credentials", () => {
  it("/account opens a session of A for A's clientId and of nobody for anything else", async () => {
    expect(await sessionFor(A.clientId, accountUrlOf(A))).toBe(A.id);
    expect(await sessionFor(B.clientId, accountUrlOf(B))).toBe(B.id);
    // A's clientId with a character changed is nobody's, and B's link is not A's.
    const flipped = A.clientId.slice(0, -1) + (A.clientId.endsWith("0") ? "1" : "0");
    expect(await sessionFor(flipped, accountUrlOf(A), freshSource())).toBeNull();
    expect(await sessionFor(A.clientId.toUpperCase(), accountUrlOf(A), freshSource())).toBeNull();
    expect(await sessionFor(A.clientId, accountUrlOf(B))).toBeNull();
    expect(await sessionFor(A.clientId, `${app.url}/account`)).toBeNull();
  });

  it("signing in or registering with B's CRM address and A's API key gets nothing and leaves B's stored key alone", async () => {
    const before = await worldOfB();
    const provider = authOptions().providers[0] as unknown as {
      options: { authorize(credentials: Record<string, string>, req: unknown): Promise<unknown> };
    };
    await expect(provider.options.authorize({ crmUrl: crmB.url, apiKey: DEMO.apiKey }, {})).rejects.toThrow(
      "Неверный API ключ: CRM его не приняла",
    );
    const register = await fetch(`${app.url}/api/crm/register`, {
      method: "POST",
      body: new URLSearchParams({
        register: JSON.stringify({
          systemUrl: crmB.url,
          apiKey: DEMO.apiKey,
          token: hmacToken(process.env.MARKETPLACE_SECRET!, DEMO.apiKey),
        }),
      }),
    });
    expect([register.status, await register.json()]).toEqual([
      400,
      { success: false, errorMsg: "Неверный API ключ: CRM его не приняла" },
    ]);
    const after = await worldOfB();
    expect(after.rows).toEqual(before.rows);
    expect(after.crmModules).toBe(before.crmModules);
  });

  it("/data/event.sh carries A's clientId only", async () => {
    const script = async (query: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${app.url}/data/event.sh${query}`, { headers });
      return { status: response.status, text: await response.text() };
    };
    const byClientId = await script(`?clientId=${A.clientId}`);
    expect(byClientId.status).toBe(200);
    expect(byClientId.text).toContain(`CLIENTID="${A.clientId}"`);
    expect(byClientId.text).not.toContain(B.clientId);

    await signInAs(A);
    const bySession = await script("");
    expect(bySession.text).toContain(`CLIENTID="${A.clientId}"`);
    expect(bySession.text).not.toContain(B.clientId);
    session.accountId = null;
    const anonymous = await script("");
    expect(anonymous.text).toContain('CLIENTID=""');
    expect(anonymous.text).not.toContain(A.clientId);
    expect(anonymous.text).not.toContain(B.clientId);
    expect((await script(`?clientId=${"e".repeat(64)}`, freshSource())).status).toBe(404);
  });

  it("«Ваши телефоны» lists the signed-in account's managers only", async () => {
    await signInAs(A);
    const loaded = await phonesForCabinet((await sessionAccountId())!);
    expect("phones" in loaded).toBe(true);
    const phones = "phones" in loaded ? loaded.phones : [];
    const ownUsers = await db().crmUser.findMany({ where: { accountId: A.id } });
    expect(phones.map((p) => p.crmUserId).sort((x, y) => x - y)).toEqual(
      ownUsers.map((u) => u.crmUserId).sort((x, y) => x - y),
    );
    const text = JSON.stringify(phones);
    for (const foreign of ["Борислава", "Вадим", "Григорий", "@b.example", "201", "202"])
      expect(text).not.toContain(foreign);
    expect(phones.find((p) => p.crmUserId === 3)).toMatchObject({ extension: "101", email: "inna@demo.example" });
    expect(phones.find((p) => p.crmUserId === 33)).toMatchObject({ extension: null, email: "anton@a.example" });

    session.accountId = null;
    await expect(PhonesPage()).rejects.toThrow("NEXT_REDIRECT");
  });
});

describe("cabinet server actions signed in as A, given B's ids", () => {
  beforeEach(() => signInAs(A));

  it("«Сохранить» of a manager cannot change B's managers; B's extensions do not block A's", async () => {
    const before = await worldOfB();
    // User 35 exists only in B's CRM.
    expect(await saveExtensionAction({ crmUserId: 35, extension: "555" })).toEqual({
      ok: false,
      formError: "Сотрудник не найден: обновите список",
    });
    expect(await saveExtensionAction({ crmUserId: 35, extension: "" })).toEqual({
      ok: false,
      formError: "Сотрудник не найден: обновите список",
    });
    // User 3 exists in both: A's row changes, B's does not; B's extension 201 is free in A's PBX.
    expect(await saveExtensionAction({ crmUserId: 3, extension: "201" })).toEqual({ ok: true, message: "Сохранено" });
    expect(
      (await db().crmUser.findUniqueOrThrow({ where: { accountId_crmUserId: { accountId: A.id, crmUserId: 3 } } }))
        .extension,
    ).toBe("201");
    // A's own clash names A's manager, never B's.
    const taken = await saveExtensionAction({ crmUserId: 4, extension: "201" });
    expect(taken).toMatchObject({ ok: false, formError: "Этот номер уже назначен сотруднику Соколова Инна Сергеевна" });
    expect(await saveExtensionAction({ crmUserId: 3, extension: "101" })).toMatchObject({ ok: true });
    expect(await worldOfB()).toEqual(before);
  });

  it("«Обновить список» and «Сохранить настройки» read and write A's CRM only", async () => {
    const before = await worldOfB();
    const aRequests = crmA.requests.length;
    expect(await refreshUsersAction()).toEqual({
      ok: true,
      message: `Список обновлён: ${DEMO.users.length + 1} сотрудников`,
    });
    const pushed = await pushExtensionsAction();
    expect(pushed).toMatchObject({ ok: true, data: { unknownUserIds: [] } });
    expect(crmA.requests.length).toBeGreaterThan(aRequests);
    const codes = crmA.state.modules.get(A.moduleCode)?.integrations.telephony?.additionalCodes ?? [];
    expect([...codes].sort((x, y) => x.userId - y.userId)).toEqual([
      { userId: 3, code: "101" },
      { userId: 4, code: "102" },
    ]);
    expect(await db().crmUser.count({ where: { accountId: A.id, crmUserId: 35 } })).toBe(0);
    expect(await worldOfB()).toEqual(before);
  });

  it("«Повторить» refuses B's failed delivery and leaves it failed", async () => {
    const before = await worldOfB();
    expect(await retryDeliveryAction(failedDeliveryOfB)).toEqual({
      ok: false,
      formError: "Этот запрос нельзя повторить",
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await worldOfB()).toEqual(before);
    expect((await db().delivery.findUniqueOrThrow({ where: { id: failedDeliveryOfB } })).state).toBe("FAILED");
    // A's own failed delivery is retried (and now the CRM accepts it).
    expect(await retryDeliveryAction(failedDeliveryOfA)).toEqual({ ok: true, message: "Запрос снова в очереди" });
    expect(
      await until(
        () => db().delivery.findUniqueOrThrow({ where: { id: failedDeliveryOfA } }),
        (d) => d.state === "SENT",
      ),
    ).toMatchObject({ state: "SENT" });
    expect(await worldOfB()).toEqual(before);
  });

  it("«Повторить» answers a delivery id no row can have, or no number at all, as a bad request", async () => {
    // A client posts whatever it likes, whatever the action's types say.
    for (const id of [99999999999999999999, 2_147_483_648, 0, -1, 1.5, Number.NaN, "1", null, [1]])
      expect(await retryDeliveryAction(id as number)).toMatchObject({ ok: false, formError: "Неверный запрос" });
  });

  it("«Настройки Asterisk» use A's stored password, never B's, and save A's settings only", async () => {
    const before = await worldOfB();
    const settingsOfA = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: A.id } });
    const loginsAtB = () => pbxB.actions.filter((a) => a.action.toLowerCase() === "login");
    const tried = loginsAtB().length;
    // B's PBX and B's AMI login with the password left empty («keep the stored one»): A's stored
    // password is for A's PBX only, so nothing is tried anywhere and the password is asked for.
    const pointedAtB = amiFormOf(pbxB, amiB, "TCP", { amiSecret: "" });
    expect(await testAmiAction(pointedAtB)).toMatchObject({
      ok: false,
      fieldErrors: { amiSecret: expect.any(String) },
    });
    expect(await saveAsteriskSettingsAction(pointedAtB)).toMatchObject({ ok: false });
    expect(loginsAtB().slice(tried)).toEqual([]);
    expect(await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: A.id } })).toEqual(settingsOfA);
    expect((await worldOfB()).rows).toEqual(before.rows);

    const crmBefore = crmB.requests.length;
    expect(
      await saveAsteriskSettingsAction(amiFormOf(pbxA, amiA, "HTTP", { callerIdPrefix: "Shop A", amiSecret: "" })),
    ).toEqual({ ok: true, message: "Настройки сохранены: доступ к AMI проверен" });
    expect((await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: A.id } })).callerIdPrefix).toBe(
      "Shop A",
    );
    expect((await worldOfB()).rows).toEqual(before.rows);
    expect(crmB.requests.length).toBe(crmBefore);
  });

  it("the call journal lists A's calls only", async () => {
    const { calls } = await listCalls(A.id, 1);
    const ownIds = new Set(
      (await db().call.findMany({ where: { accountId: A.id }, select: { id: true } })).map((c) => c.id),
    );
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => ownIds.has(c.id))).toBe(true);
    const shared = calls.find((c) => c.uniqueid === SHARED_UNIQUEID);
    expect(shared?.recordingUrl).not.toContain(`/recordings/${recordingOfB}/`);
    const deliveryIds = calls.flatMap((c) => c.deliveries.map((d) => d.id));
    expect(deliveryIds).not.toContain(failedDeliveryOfB);
    expect(await db().delivery.count({ where: { id: { in: deliveryIds }, NOT: { accountId: A.id } } })).toBe(0);
  });

  it("/api/cabinet/calls answers the page the journal renders, A's calls only, whatever page is asked for", async () => {
    const response = await fetch(`${app.url}/api/cabinet/calls?page=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const read = (await response.json()) as Awaited<ReturnType<typeof listCalls>>;
    expect(read).toEqual(await listCalls(A.id, 1));
    expect(read.calls.length).toBeGreaterThan(0);
    const text = JSON.stringify(read);
    expect(text).not.toContain(`/recordings/${recordingOfB}/`);
    expect(text).not.toContain("1800000000.2");
    expect(read.calls.flatMap((c) => c.deliveries.map((d) => d.id))).not.toContain(failedDeliveryOfB);
    // B's calls are no later page of A's either.
    const later = (await (await fetch(`${app.url}/api/cabinet/calls?page=2`)).json()) as typeof read;
    expect(later).toMatchObject({ calls: [], total: read.total });
    for (const page of ["0", "-1", "1.5", "abc", "1000001", ""]) {
      const refused = await fetch(`${app.url}/api/cabinet/calls?page=${page}`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({
        success: false,
        errorMsg: "Parameter 'page' must be a whole number from 1 to 1000000",
      });
    }
  });

  it("/api/cabinet/ami-connection answers A's event connection, never B's", async () => {
    const lease = { workerId: "tenant-test", leaseUntil: new Date(Date.now() + 60_000) };
    await db().amiListener.create({
      data: { accountId: B.id, ...lease, state: "failed", lastError: "Неверный пароль AMI пользователя pbx-b" },
    });
    try {
      const read = async () => {
        const response = await fetch(`${app.url}/api/cabinet/ami-connection`);
        expect(response.status).toBe(200);
        expect(response.headers.get("cache-control")).toBe("no-store");
        return response.json();
      };
      // A has no event connection: nothing, not B's.
      expect(await read()).toBeNull();
      const connectedAt = new Date("2026-11-23T12:00:00.000Z");
      await db().amiListener.create({ data: { accountId: A.id, ...lease, state: "connected", connectedAt } });
      expect(await read()).toEqual({
        state: "connected",
        error: null,
        connectedAt: connectedAt.toISOString(),
        lastEventAt: null,
        held: true,
      });
    } finally {
      await db().amiListener.deleteMany({ where: { accountId: { in: [A.id, B.id] } } });
    }
  });

  it("«Заменить clientId» replaces A's clientId only; A's old one stops working, B's keeps working", async () => {
    const before = await worldOfB();
    cookieJar.clear();
    const rotated = await rotateClientIdAction();
    expect(rotated).toMatchObject({ ok: true });
    const newClientId = rotated.ok ? rotated.data!.clientId : "";
    // The admin who rotated it gets a session granted under the new clientId (older ones end).
    const renewed = await decode({
      token: cookieJar.get("next-auth.session-token")!,
      secret: process.env.NEXTAUTH_SECRET!,
    });
    expect(renewed).toMatchObject({ accountId: A.id, grant: sessionGrant(newClientId) });
    expect(newClientId).toMatch(/^[0-9a-f]{64}$/);
    expect(newClientId).not.toBe(A.clientId);
    expect(crmA.state.modules.get(A.moduleCode)?.clientId).toBe(newClientId);
    expect(await worldOfB()).toEqual(before);
    expect(
      (await callback("/api/manager", { clientId: A.clientId, phone: "+79001234567", type: "text" }, freshSource()))
        .status,
    ).toBe(401);
    expect((await callback("/api/manager", { clientId: B.clientId, phone: "+79055550001", type: "text" })).text).toBe(
      "Бэла Клиентова,101",
    );
    A = { ...A, clientId: newClientId };
  });

  it("without a session every action and every cabinet read refuses and changes nothing", async () => {
    session.accountId = null;
    const [before, beforeA] = [await worldOfB(), await snapshot(A.id)];
    const signedOut = { ok: false, formError: "Сессия истекла: войдите снова" };
    expect(await saveExtensionAction({ crmUserId: 34, extension: "1" })).toEqual(signedOut);
    expect(await refreshUsersAction()).toEqual(signedOut);
    expect(await pushExtensionsAction()).toEqual(signedOut);
    expect(await retryDeliveryAction(failedDeliveryOfB)).toEqual(signedOut);
    expect(await testAmiAction(amiFormOf(pbxB, amiB, "TCP"))).toEqual(signedOut);
    expect(await saveAsteriskSettingsAction(amiFormOf(pbxB, amiB, "TCP"))).toEqual(signedOut);
    expect(await rotateClientIdAction()).toEqual(signedOut);
    for (const read of ["/api/cabinet/calls", "/api/cabinet/calls?page=1", "/api/cabinet/ami-connection"]) {
      const response = await fetch(`${app.url}${read}`);
      expect(response.status).toBe(401);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.json()).toEqual({
        success: false,
        errorMsg: "no cabinet session (never signed in, or it ended): sign in again",
      });
    }
    expect(await worldOfB()).toEqual(before);
    expect(await snapshot(A.id)).toEqual(beforeA);
  });
});

describe("across the whole run", () => {
  it("every request each CRM received carried its own account's key, and each PBX saw only its own AMI user", () => {
    expect(crmA.requests.length).toBeGreaterThan(0);
    expect(crmB.requests.length).toBeGreaterThan(0);
    expect(crmA.requests.filter((r) => r.apiKey !== DEMO.apiKey)).toEqual([]);
    // Other than B's key, B's CRM only saw A's key presented to /api/credentials by the sign-in attempts above, and refused it.
    expect(crmB.requests.filter((r) => r.apiKey !== B_KEY.key).map((r) => [r.path, r.status])).toEqual([
      ["/api/credentials", 403],
      ["/api/credentials", 403],
    ]);
    expect(pbxA.actions.filter((a) => a.username !== undefined && a.username !== amiA.username)).toEqual([]);
    // B's PBX saw A's password only in the checks A pointed at it above, and never originated for A.
    expect(pbxB.originates.every((o) => o.username === amiB.username)).toBe(true);
  });
});
