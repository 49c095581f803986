// Numbers to ignore (docs/crm-features.md, «Номера без карточки»), end to end on real PostgreSQL:
// calls from the dialplan (/api/event), derived from AMI events a simulated Asterisk replays, and
// recovered from CDR lines cdr-sync.sh posts (/api/cdr). An ignored call is stored and journalled,
// owes the CRM nothing (no card, upload, task or customer), and /api/manager still answers for it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdrLines, timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
import { crmRequestsFor, crmRequestsOf } from "@/e2e/setup/crm-calls";
import { startWorkers } from "@/e2e/setup/delivery";
import {
  AMI_EVENTS_USER,
  amiConnected,
  crmOptionsInput,
  demoCrmAccount,
  fullCdrAllowance,
  listenToAmi,
} from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { saveCrmOptions } from "@/lib/crm-options";
import { db } from "@/lib/db/client";
import { loadIgnoreList, saveIgnoreList } from "@/lib/ignore-list";
import { listCalls } from "@/lib/journal";
import { ignoreListSchema } from "@/lib/validations/ignore-list";

let app: Awaited<ReturnType<typeof serveRoutes>>;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let pbx: AsteriskSim;
/** The account whose dialplan reports calls. */
const dialplan = { crm: undefined as unknown as RetailCrmSim, id: "", clientId: "" };
/** The account whose calls come from AMI events and the CDR. */
const ami = { crm: undefined as unknown as RetailCrmSim, id: "", clientId: "" };
let sequence = 0;

const list = (numbers: string[], hidden = false) =>
  ignoreListSchema.parse({ numbers: numbers.map((pattern) => ({ pattern })), hidden });

async function event(params: Record<string, string>): Promise<Response> {
  return fetch(`${app.url}/api/event?${new URLSearchParams({ clientId: dialplan.clientId, ...params })}`);
}

/** An incoming call the dialplan reports (in, then a hangup nobody answered); returns its uniqueid. */
async function missedCall(phone: string): Promise<string> {
  const uniqueid = `1733500000.${++sequence}`;
  expect((await event({ type: "in", uniqueid, phone, code: "101" })).status).toBe(200);
  const hangup = await event({
    type: "hangup",
    uniqueid,
    phone,
    code: "101",
    status: "NOANSWER",
    direct: "in",
    hold: "9",
    duration: "0",
    date: "2026-12-07 10:00:00",
  });
  expect(hangup.status).toBe(200);
  return uniqueid;
}

const deliveriesOf = (accountId: string, uniqueid: string) =>
  db().delivery.findMany({ where: { accountId, call: { uniqueid } }, orderBy: { id: "asc" } });

const callOf = (accountId: string, uniqueid: string) =>
  db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid } } });

/** Plays a recorded call on the simulated PBX as a new call; returns its ids as renumbered. */
function play(
  scenario: Parameters<typeof transcriptEvents>[0],
  steps: Parameters<typeof timed>[1],
  rewrite: (value: string) => string = (value) => value,
) {
  const prefix = `ign${++sequence}`;
  const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
  const events = timed(transcriptEvents(scenario), steps, Date.now() / 1000).map((event) =>
    Object.fromEntries(Object.entries(event).map(([name, value]) => [name, rewrite(value)])),
  );
  pbx.replay(events, { renumber });
  return renumber;
}

async function postCdr(lines: string[]): Promise<unknown> {
  await fullCdrAllowance(ami.id);
  const response = await fetch(`${app.url}/api/cdr?clientId=${ami.clientId}`, {
    method: "POST",
    body: `${lines.join("\n")}\n`,
  });
  return response.json();
}

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/cdr": await import("@/app/api/cdr/route"),
    "/api/manager": await import("@/app/api/manager/route"),
  });
  // The module registers its callbacks at PUBLIC_URL: the routes are served first.
  process.env.PUBLIC_URL = app.url;
  for (const [target, extensions] of [
    [dialplan, { 3: "101", 7: "107" }],
    [ami, { 3: "102", 4: "103", 5: "107" }],
  ] as const) {
    const { crm, account } = await demoCrmAccount(extensions);
    Object.assign(target, { crm, id: account.id, clientId: account.clientId });
  }
  await listenToAmi(ami.id, pbx, {
    inboundContexts: ["init-channel", "plain-in", "inbound", "inbound-queue"],
    outboundContexts: ["from-manager"],
    channelTemplate: "Local/{code}@managers",
    // The transcripts' PBX kept its clock in UTC.
    pbxTimeZone: "UTC",
  });
  workers = await startWorkers();
  await amiConnected(ami.id);
}, 60_000);

afterAll(async () => {
  await workers.stop();
  await Promise.all([app.close(), pbx.close(), dialplan.crm.close(), ami.crm.close()]);
});

describe("numbers to ignore, from the dialplan", () => {
  beforeAll(async () => {
    const options = crmOptionsInput({ missedTasks: true, missedTaskDefaultUserId: "7", newCustomers: true });
    expect(await saveCrmOptions(dialplan.id, options)).toMatchObject({ ok: true });
    await saveIgnoreList(dialplan.id, list(["+7 (900) 123-45-67", "+7809*"], true));
  });

  it("a listed number (spelt otherwise), a prefix and a hidden number: stored, journalled, nothing sent", async () => {
    const control = await missedCall("89005550011");
    const ignored = await Promise.all(["89001234567", "88091112233", "anonymous", "Restricted"].map(missedCall));
    // The control call went all the way: a new customer, the card, its close, the upload, a task.
    await until(
      () => deliveriesOf(dialplan.id, control),
      (rows) => rows.length === 5 && rows.every((d) => d.state === "SENT"),
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const uniqueid of ignored) {
      expect(await callOf(dialplan.id, uniqueid)).toMatchObject({ ignored: true, result: "no answer" });
      expect(await deliveriesOf(dialplan.id, uniqueid)).toEqual([]);
      expect(crmRequestsOf(dialplan.crm, uniqueid)).toEqual([]);
    }
    expect(await callOf(dialplan.id, control)).toMatchObject({ ignored: false });
    const tasks = [...dialplan.crm.state.tasks.values()];
    expect(tasks.map((task) => task.phone)).toEqual(["89005550011"]);
    expect(dialplan.crm.state.createdCustomers.map((c) => c.phones)).toEqual([[{ number: "+79005550011" }]]);

    const journal = await listCalls(dialplan.id, 1);
    const shown = journal.calls.filter((call) => ignored.includes(call.uniqueid));
    expect(shown).toHaveLength(4);
    expect(shown.every((call) => call.ignored && call.deliveries.length === 0)).toBe(true);
    expect(journal.calls.find((call) => call.uniqueid === control)).toMatchObject({ ignored: false });
    expect((await loadIgnoreList(dialplan.id)).ignoredLast30Days).toBe(4);
  });

  it("an outgoing call to a listed number is kept out too", async () => {
    const uniqueid = `1733500000.${++sequence}`;
    const send = (params: Record<string, string>) =>
      event({ uniqueid, phone: "+7 900 123 45 67", code: "101", ...params });
    expect((await send({ type: "out" })).status).toBe(200);
    expect((await send({ type: "hangup", status: "ANSWER", direct: "out", duration: "12" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await callOf(dialplan.id, uniqueid)).toMatchObject({ ignored: true, direction: "OUT" });
    expect(await deliveriesOf(dialplan.id, uniqueid)).toEqual([]);
  });

  it("/api/manager still answers for an ignored caller", async () => {
    const response = await fetch(
      `${app.url}/api/manager?${new URLSearchParams({ clientId: dialplan.clientId, phone: "89001234567", type: "text" })}`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("101");
  });

  it("a call is judged by the list at its first event: a number listed mid-call still gets its close", async () => {
    const uniqueid = `1733500000.${++sequence}`;
    expect((await event({ type: "in", uniqueid, phone: "89005550022", code: "101" })).status).toBe(200);
    await saveIgnoreList(dialplan.id, list(["89005550022"]));
    const hangup = await event({ type: "hangup", uniqueid, phone: "89005550022", status: "ANSWER", duration: "5" });
    expect(hangup.status).toBe(200);
    const rows = await until(
      () => deliveriesOf(dialplan.id, uniqueid),
      (found) => found.some((d) => d.kind === "CALLS_UPLOAD" && d.state === "SENT"),
      15_000,
    );
    expect(rows.map((d) => d.kind)).toContain("CALL_EVENT");
    // The next call from it is ignored.
    const next = await missedCall("8 900 555-00-22");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await callOf(dialplan.id, next)).toMatchObject({ ignored: true });
    expect(await deliveriesOf(dialplan.id, next)).toEqual([]);
  });
});

describe("numbers to ignore, from AMI events and the CDR", () => {
  beforeAll(async () => {
    await saveIgnoreList(ami.id, list(["84950000002", "+7495000000*"]));
  });

  it("a call AMI showed from a listed number: stored, nothing sent", async () => {
    const ignored = play("direct-no-answer", [{ matches: when("DialEnd"), seconds: 5 }])("1796313742.23");
    const control = play("incoming-known-direct-answered", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
      { matches: when("Hangup"), seconds: 3 },
    ])("1796313595.1");
    expect((await crmRequestsFor(ami.crm, control)).map((r) => r.request)).toEqual([
      "call/event",
      "call/event",
      "calls/upload",
    ]);
    const call = await until(
      () => db().call.findUnique({ where: { accountId_uniqueid: { accountId: ami.id, uniqueid: ignored } } }),
      (found) => found?.result === "no answer",
      15_000,
    );
    expect(call).toMatchObject({ ignored: true, phone: "84950000002" });
    expect(await deliveriesOf(ami.id, ignored)).toEqual([]);
    expect(crmRequestsOf(ami.crm, ignored)).toEqual([]);
  });

  it("a hidden caller AMI showed (CallerID <unknown>), with hidden numbers on: stored, nothing sent", async () => {
    await saveIgnoreList(ami.id, list(["84950000002", "+7495000000*"], true));
    const hidden = play("direct-no-answer", [{ matches: when("DialEnd"), seconds: 5 }], (value) =>
      value === "84950000002" ? "<unknown>" : value,
    )("1796313742.23");
    const call = await until(
      () => db().call.findUnique({ where: { accountId_uniqueid: { accountId: ami.id, uniqueid: hidden } } }),
      (found) => found?.result === "no answer",
      15_000,
    );
    expect(call).toMatchObject({ ignored: true, phone: "anonymous" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await deliveriesOf(ami.id, hidden)).toEqual([]);
    expect(crmRequestsOf(ami.crm, hidden)).toEqual([]);
  });

  it("a call recovered from the CDR from a listed prefix: stored, nothing sent", async () => {
    const cdr = cdrLines();
    // (b): 84950000001 through a queue; (a): 89001234567, the control.
    expect(await postCdr([...cdr.b!, ...cdr.a!])).toMatchObject({ success: true, recovered: 2 });
    const control = "1796587454.55";
    await until(
      () => crmRequestsOf(ami.crm, control),
      (requests) => requests.some((r) => r.request === "calls/upload"),
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const recovered = await db().call.findMany({ where: { accountId: ami.id, phone: "84950000001" } });
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ ignored: true });
    expect(await deliveriesOf(ami.id, recovered[0]!.uniqueid)).toEqual([]);
    expect(crmRequestsOf(ami.crm, recovered[0]!.uniqueid)).toEqual([]);
  });
});

describe("the list's checks", () => {
  it("refuses malformed entries, a prefix without +, and duplicates however spelt, with keys the form says in words", () => {
    const issues = (numbers: string[]) =>
      ignoreListSchema
        .safeParse({ numbers: numbers.map((pattern) => ({ pattern })), hidden: false })
        .error?.issues.map((issue) => [issue.path.join("."), issue.message]);
    expect(issues(["abc", "7809*", "123", "+7*", "+7 900 123-45-67"])).toEqual([
      ["numbers.0.pattern", "crm.ignore.validation.format"],
      ["numbers.1.pattern", "crm.ignore.validation.prefixPlus"],
      ["numbers.2.pattern", "crm.ignore.validation.tooShort"],
      ["numbers.3.pattern", "crm.ignore.validation.tooShort"],
    ]);
    expect(issues(["+7 900 123-45-67", "89001234567", "+7809*", "+7 809 *", "84950000002"])).toEqual([
      ["numbers.1.pattern", "crm.ignore.validation.duplicate"],
      ["numbers.3.pattern", "crm.ignore.validation.duplicate"],
    ]);
  });
});
