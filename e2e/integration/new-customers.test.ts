// New callers become customers (docs/crm-features.md, «Новые клиенты»), end to end on real
// PostgreSQL: calls from the dialplan (/api/event), derived from AMI events a simulated Asterisk
// replays, and recovered from CDR lines (/api/cdr); the delivery worker and the retailCRM
// simulator's customers/create with its refusals. Once per number, before the card.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdrLines, timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
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
import { crmClient } from "@/lib/accounts";
import { saveCrmOptions } from "@/lib/crm-options";
import { db, dbPool } from "@/lib/db/client";
import { listCalls } from "@/lib/journal";
import { sendNewCustomer } from "@/lib/new-customers";
import { saveStoreNumbers } from "@/lib/sites";

let app: Awaited<ReturnType<typeof serveRoutes>>;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let pbx: AsteriskSim;
const dialplan = { crm: undefined as unknown as RetailCrmSim, id: "", clientId: "" };
const ami = { crm: undefined as unknown as RetailCrmSim, id: "", clientId: "" };
let sequence = 0;

const OPTIONS = crmOptionsInput({ missedTasks: true, missedTaskDefaultUserId: "7", newCustomers: true });

/** An incoming call the dialplan reports (in, then a hangup nobody answered); returns its uniqueid. */
async function missedCall(phone: string, externalPhone?: string): Promise<string> {
  const uniqueid = `1733600000.${++sequence}`;
  const send = async (params: Record<string, string>) => {
    const query = { clientId: dialplan.clientId, uniqueid, phone, code: "101", ...params };
    const response = await fetch(
      `${app.url}/api/event?${new URLSearchParams(externalPhone ? { ...query, externalPhone } : query)}`,
    );
    expect(response.status).toBe(200);
  };
  await send({ type: "in" });
  await send({ type: "hangup", status: "NOANSWER", direct: "in", hold: "7", duration: "0" });
  return uniqueid;
}

/** The call's requests once none is queued, with the answer each last got. */
const settled = (accountId: string, uniqueid: string, count: number) =>
  until(
    () =>
      db().delivery.findMany({
        where: { accountId, call: { uniqueid } },
        orderBy: { id: "asc" },
        include: { attempts: { orderBy: { id: "desc" }, take: 1 } },
      }),
    (rows) => rows.length >= count && rows.every((d) => d.state !== "QUEUED"),
    15_000,
  );

/** Where in the CRM's log the first request for a path came, and the first card of a call. */
const firstCreate = (crm: RetailCrmSim, phone: string) =>
  crm.requests.findIndex(
    (r) => r.path === "/api/v5/customers/create" && r.status === 201 && r.form.customer?.includes(phone),
  );
const firstCard = (crm: RetailCrmSim, uniqueid: string) =>
  crm.requests.findIndex(
    (r) => r.path.endsWith("/call/event") && r.status === 200 && r.form.event?.includes(`"${uniqueid}"`),
  );

const createdFor = (crm: RetailCrmSim, digits: string) =>
  crm.state.createdCustomers.filter((c) => c.phones.some((p) => p.number.endsWith(digits)));

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/cdr": await import("@/app/api/cdr/route"),
  });
  process.env.PUBLIC_URL = app.url;
  for (const [target, extensions] of [
    [dialplan, { 3: "101", 7: "107" }],
    [ami, { 3: "102", 4: "103", 5: "107" }],
  ] as const) {
    const { crm, account } = await demoCrmAccount(extensions);
    Object.assign(target, { crm, id: account.id, clientId: account.clientId });
    expect(await saveCrmOptions(account.id, OPTIONS)).toMatchObject({ ok: true });
  }
  await saveStoreNumbers(dialplan.id, [{ phone: "+74951112233", siteCode: "demo-shop" }]);
  await listenToAmi(ami.id, pbx, {
    inboundContexts: ["init-channel", "plain-in", "inbound", "inbound-queue"],
    outboundContexts: ["from-manager"],
    channelTemplate: "Local/{code}@managers",
    pbxTimeZone: "UTC",
  });
  workers = await startWorkers();
  await amiConnected(ami.id);
}, 60_000);

afterAll(async () => {
  await workers.stop();
  await Promise.all([app.close(), pbx.close(), dialplan.crm.close(), ami.crm.close()]);
});

describe("new callers become customers, from the dialplan", () => {
  it("a number the CRM does not know: one customer, in the store called, named from the template, before the card", async () => {
    const uniqueid = await missedCall("89007778899", "84951112233");
    const rows = await settled(dialplan.id, uniqueid, 5);
    expect(rows.map((d) => [d.kind, d.state])).toEqual([
      ["NEW_CUSTOMER", "SENT"],
      ["CALL_EVENT", "SENT"],
      ["CALL_EVENT", "SENT"],
      ["CALLS_UPLOAD", "SENT"],
      ["MISSED_TASK", "SENT"],
    ]);
    const [customer] = createdFor(dialplan.crm, "9007778899");
    expect(customer).toMatchObject({
      firstName: "Новый клиент +7 900 777-88-99",
      phones: [{ number: "+79007778899" }],
      site: "demo-shop",
    });
    expect(rows[0]!.attempts[0]!.response).toEqual({ action: "created", customerId: customer!.id });
    expect(firstCreate(dialplan.crm, "79007778899")).toBeLessThan(firstCard(dialplan.crm, uniqueid));
    // The call-back task found them.
    const task = [...dialplan.crm.state.tasks.values()].find((t) => t.phone === "89007778899");
    expect(task).toMatchObject({ customer: { id: customer!.id }, phoneSite: "demo-shop" });
    const shown = (await listCalls(dialplan.id, 1)).calls.find((call) => call.uniqueid === uniqueid);
    expect(shown?.deliveries[0]).toMatchObject({ label: "новый клиент", note: `создан клиент № ${customer!.id}` });

    // Its next call makes nothing and asks the CRM nothing about it.
    const before = dialplan.crm.requests.length;
    const again = await missedCall("+7 900 777-88-99");
    const next = await settled(dialplan.id, again, 5);
    expect(next[0]!.attempts[0]!.response).toEqual({ action: "skipped", reason: "claimed", customerId: customer!.id });
    expect(createdFor(dialplan.crm, "9007778899")).toHaveLength(1);
    // (its task is the open one, added to: the CRM is not asked who the caller is either)
    expect(dialplan.crm.requests.slice(before).filter((r) => /customers|telephony\/manager/.test(r.path))).toEqual([]);
  });

  it("a customer the CRM knows: none made, and the answer names them", async () => {
    const uniqueid = await missedCall("89001234567");
    const rows = await settled(dialplan.id, uniqueid, 5);
    expect(rows[0]!.attempts[0]!.response).toEqual({ action: "skipped", reason: "known", customerId: 101 });
    expect(createdFor(dialplan.crm, "9001234567")).toEqual([]);
  });

  it("two calls at once from one new number, spelt two ways: one customer", async () => {
    const [a, b] = await Promise.all([missedCall("89006660011"), missedCall("+7 (900) 666-00-11")]);
    const answers = [
      (await settled(dialplan.id, a, 5))[0]!.attempts[0]!.response,
      (await settled(dialplan.id, b, 5))[0]!.attempts[0]!.response,
    ];
    const created = createdFor(dialplan.crm, "9006660011");
    expect(created).toHaveLength(1);
    expect(answers).toContainEqual({ action: "created", customerId: created[0]!.id });
    expect(answers).toContainEqual({ action: "skipped", reason: "claimed", customerId: created[0]!.id });
  });

  it("two processes claiming one number together: one customers/create", async () => {
    const account = await db().account.findUniqueOrThrow({ where: { id: dialplan.id } });
    const answers = await Promise.all(
      [1, 2].map(() => sendNewCustomer(dbPool(), dialplan.id, crmClient(account), { phone: "89004440011" })),
    );
    expect(createdFor(dialplan.crm, "9004440011")).toHaveLength(1);
    expect(answers.map((answer) => answer.action).sort()).toEqual(["created", "skipped"]);
  });

  it("a creation the CRM refuses: the journal shows its reason, the card still goes, the next call tries again", async () => {
    dialplan.crm.failNext(1, {
      status: 400,
      pathPrefix: "/api/v5/customers/create",
      body: {
        success: false,
        errorMsg: "Errors in the entity format",
        errors: { "phones[0].number": "This value is not valid." },
      },
    });
    const uniqueid = await missedCall("89003332211");
    const rows = await settled(dialplan.id, uniqueid, 5);
    expect(rows.map((d) => [d.kind, d.state])).toEqual([
      ["NEW_CUSTOMER", "FAILED"],
      ["CALL_EVENT", "SENT"],
      ["CALL_EVENT", "SENT"],
      ["CALLS_UPLOAD", "SENT"],
      ["MISSED_TASK", "SENT"],
    ]);
    const shown = (await listCalls(dialplan.id, 1)).calls.find((call) => call.uniqueid === uniqueid);
    expect(shown?.deliveries[0]).toMatchObject({
      state: "FAILED",
      lastError: "Errors in the entity format (phones[0].number: This value is not valid.)",
    });
    expect(createdFor(dialplan.crm, "9003332211")).toEqual([]);
    const again = await missedCall("89003332211");
    expect((await settled(dialplan.id, again, 5))[0]!.attempts[0]!.response).toMatchObject({ action: "created" });
    expect(createdFor(dialplan.crm, "9003332211")).toHaveLength(1);
  });

  it("with the option off, a call owes no customer", async () => {
    expect(await saveCrmOptions(dialplan.id, { ...OPTIONS, newCustomers: false })).toMatchObject({ ok: true });
    const uniqueid = await missedCall("89002220011");
    const rows = await settled(dialplan.id, uniqueid, 4);
    expect(rows.map((d) => d.kind)).toEqual(["CALL_EVENT", "CALL_EVENT", "CALLS_UPLOAD", "MISSED_TASK"]);
    expect(await saveCrmOptions(dialplan.id, OPTIONS)).toMatchObject({ ok: true });
  });

  it("turning it on with a key that may not create customers is refused, naming the method", async () => {
    dialplan.crm.state.keys.get("demo-key")!.scopes = dialplan.crm.state.keys
      .get("demo-key")!
      .scopes.filter((scope) => scope !== "customer_write");
    const saved = await saveCrmOptions(dialplan.id, OPTIONS);
    expect(saved).toMatchObject({ ok: false });
    expect(JSON.stringify(saved)).toContain("/api/customers/create");
    dialplan.crm.state.keys.get("demo-key")!.scopes.push("customer_write");
  });
});

describe("new callers become customers, from AMI events and the CDR", () => {
  it("a queue call AMI showed ringing two agents: one customer, before the first card", async () => {
    const prefix = `nc${++sequence}`;
    const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
    const steps = [
      { matches: when("AgentRingNoAnswer"), seconds: 4 },
      { matches: when("AgentConnect"), seconds: 1 },
      { matches: when("AgentComplete"), seconds: 3 },
    ];
    pbx.replay(timed(transcriptEvents("incoming-unknown-queue-second-agent-answers"), steps, Date.now() / 1000), {
      renumber,
    });
    const uniqueid = renumber("1796313609.5");
    const rows = await settled(ami.id, uniqueid, 4);
    expect(rows[0]).toMatchObject({ kind: "NEW_CUSTOMER", state: "SENT" });
    const created = createdFor(ami.crm, "4950000001");
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ phones: [{ number: "+74950000001" }] });
    expect(firstCreate(ami.crm, "74950000001")).toBeLessThan(firstCard(ami.crm, uniqueid));
  });

  it("a call recovered from the CDR from a new number: one customer", async () => {
    const lines = cdrLines().a!.map((line) =>
      line.replaceAll("89001234567", "89005553311").replace(/"(\d{10}\.\d+)"/g, '"cdr-$1"'),
    );
    await fullCdrAllowance(ami.id);
    const posted = await fetch(`${app.url}/api/cdr?clientId=${ami.clientId}`, {
      method: "POST",
      body: `${lines.join("\n")}\n`,
    });
    expect(await posted.json()).toMatchObject({ success: true, recovered: 1 });
    const call = await until(
      () => db().call.findFirst({ where: { accountId: ami.id, phone: "89005553311" } }),
      (found) => found !== null,
      15_000,
    );
    const rows = await settled(ami.id, call!.uniqueid, 2);
    expect(rows.map((d) => d.kind)).toEqual(["NEW_CUSTOMER", "CALLS_UPLOAD"]);
    expect(createdFor(ami.crm, "9005553311")).toHaveLength(1);
  });
});
