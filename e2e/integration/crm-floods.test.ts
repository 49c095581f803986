// Floods that would reach a customer's CRM (docs/security.md, «Потоки в CRM»), end to end with the
// set-ups of missed-call-tasks, crm-alerts and ami-events: the retailCRM and Asterisk simulators,
// /api/event and /api/cdr served, the real delivery worker checking alerts. Made-up missed calls,
// each from another number, against the account's caps on call-back tasks and its one alert; CDR
// posts over the size and the rate /api/cdr takes, and cdr-sync.sh meeting the refusal; CDR lines
// from before the account's AMI mode, which owe no task. Time is moved by moving stored moments back.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { amiForm } from "@/e2e/setup/ami-form";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, crmOptionsInput, demoCrmAccount, fullCdrAllowance } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { saveAsteriskSettings } from "@/lib/accounts";
import { renderScript } from "@/lib/pbx-scripts";
import { saveCrmOptions } from "@/lib/crm-options";
import { db, dbPool } from "@/lib/db/client";
import { startBackground, type Background } from "@/lib/background";
import { listCalls } from "@/lib/journal";

let crm: RetailCrmSim;
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: Background;
let clientId: string;
let accountId: string;
let sequence = 0;

const CAPS = crmOptionsInput({
  missedTasks: true,
  missedTaskDefaultUserId: "7",
  missedTasksPer10Minutes: "5",
  missedTasksPerDay: "8",
  alertsEnabled: true,
  alertUserIds: ["1", "3"],
});

const epoch = (date = new Date()) => Math.floor(date.getTime() / 1000);

/** A missed call as event.sh reports its hangup, from any number the sender likes. */
async function missedCall(phone: string): Promise<void> {
  const response = await fetch(
    `${app.url}/api/event?${new URLSearchParams({
      clientId,
      type: "hangup",
      uniqueid: `${epoch()}.${++sequence}`,
      phone,
      status: "NOANSWER",
      direct: "in",
      hold: "20",
      date: "2026-12-06 10:00:00",
    })}`,
  );
  expect(response.status).toBe(200);
}

/** A line of Master.csv: an incoming call nobody answered, or one between two extensions (skipped). */
function cdrLine(uniqueid: string, phone: string, context = "from-trunk"): string {
  return `"","${phone}","203","${context}","","PJSIP/trunk-1","","Dial","","2026-12-06 10:00:00","","2026-12-06 10:00:20",20,0,"NO ANSWER","DOCUMENTATION","${uniqueid}"`;
}

function internalLines(count: number): string {
  return Array.from({ length: count }, (_, i) => cdrLine(`${epoch()}.${90_000 + i}`, "103", "from-internal")).join(
    "\n",
  );
}

const postCdr = (body: string) => fetch(`${app.url}/api/cdr?clientId=${clientId}`, { method: "POST", body });

/** The account's allowance of CDR posts, full again (as it is after a quiet while). */
const fullAllowance = () => fullCdrAllowance(accountId);

/** The account's task requests, each with the answer recorded for it, once none is queued. */
async function settledTasks(count: number) {
  return until(
    () =>
      db().delivery.findMany({
        where: { accountId, kind: "MISSED_TASK" },
        orderBy: { id: "asc" },
        include: { attempts: { orderBy: { id: "desc" }, take: 1 } },
      }),
    (rows) => rows.length >= count && rows.every((d) => d.state !== "QUEUED"),
    20_000,
  );
}

const answers = (rows: Awaited<ReturnType<typeof settledTasks>>) => rows.map((d) => d.attempts[0]?.response);
const sent = () => crm.state.notifications.map((n) => ({ type: n.type, message: n.message, userIds: n.userIds }));

/** Moves every mark of a task written back, as if `minutes` had passed. */
async function ageTaskWrites(minutes: number): Promise<void> {
  await dbPool().query(
    `UPDATE "callback_task_writes" SET "at" = "at" - $2 * interval '1 minute' WHERE "accountId" = $1`,
    [accountId, minutes],
  );
}

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/cdr": await import("@/app/api/cdr/route"),
  });
  process.env.PUBLIC_URL = app.url;
  const demo = await demoCrmAccount();
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  expect(await saveCrmOptions(accountId, CAPS)).toMatchObject({ ok: true });
  worker = await startBackground(process.env.DATABASE_URL!, { delivery: FAST_DELIVERY, alertEveryMs: 50 });
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await pbx.close();
  await crm.close();
});

describe("made-up missed calls, each from another number", () => {
  it("30 at once make the 5 tasks of the 10 minutes' cap, one alert, and the journal says why the rest got none", async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => missedCall(`+7999200${String(i).padStart(4, "0")}`)));
    const tasks = await settledTasks(30);
    expect(crm.state.tasks.size).toBe(5);
    expect(answers(tasks).filter((a) => (a as { action: string }).action === "created")).toHaveLength(5);
    expect(answers(tasks).filter((a) => (a as { action: string }).action === "skipped")).toEqual(
      Array(25).fill({ action: "skipped", reason: "cap", per: "10 minutes", limit: 5 }),
    );

    await until(sent, (got) => got.length > 0, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sent()).toEqual([
      {
        type: "api.error",
        message: expect.stringMatching(
          /^Модуль Asterisk: задачи перезвонить достигли предела — 5 пропущенных звонков за 10 минут \(вкладка «Возможности CRM»\)\./,
        ),
        userIds: [1, 3],
      },
    ]);

    // The journal says why a call got no task; a call that got one has no such note.
    const skipped = new Set(
      tasks.filter((d) => (d.attempts[0]?.response as { action: string }).action === "skipped").map((d) => d.id),
    );
    const journal = (await listCalls(accountId, 1)).calls.flatMap((call) => call.deliveries);
    const shown = journal.filter((d) => d.kind === "MISSED_TASK");
    expect(shown.length).toBeGreaterThan(0);
    for (const delivery of shown)
      expect(delivery.note).toBe(
        skipped.has(delivery.id) ? "не поставлена: предел — 5 задач за 10 минут (вкладка «Возможности CRM»)" : null,
      );
  });

  it("once the 10 minutes have passed, the day's ceiling holds; the admin hears of the cap's end and of no second cap that hour", async () => {
    await ageTaskWrites(11);
    await until(sent, (got) => got.length === 2, 5_000);
    expect(sent()[1]).toEqual({
      type: "api.info",
      message: "Модуль Asterisk: задачи по пропущенным звонкам снова ставятся.",
      userIds: [1, 3],
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => missedCall(`+7999300${String(i).padStart(4, "0")}`)));
    const tasks = await settledTasks(40);
    expect(crm.state.tasks.size).toBe(8);
    expect(answers(tasks.slice(30)).filter((a) => (a as { action: string }).action === "skipped")).toEqual(
      Array(7).fill({ action: "skipped", reason: "cap", per: "day", limit: 8 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sent().map((n) => n.type)).toEqual(["api.error", "api.info"]);
  });
});

describe("/api/cdr takes a bounded amount of CDR", () => {
  beforeEach(fullAllowance);

  it("refuses a post over 512 KiB with 413, before storing any of it", async () => {
    const calls = await db().call.count({ where: { accountId } });
    const body = internalLines(4_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(512 * 1024);
    const answer = await postCdr(body);
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({
      success: false,
      errorMsg: "a CDR post may have at most 524288 bytes of whole lines; post the rest separately",
    });
    expect(await db().call.count({ where: { accountId } })).toBe(calls);
  });

  it("takes 5 posts at once, then answers 429 with Retry-After and stores nothing of the refused post", async () => {
    const uniqueids = Array.from({ length: 6 }, () => `${epoch()}.${++sequence}`);
    for (const uniqueid of uniqueids.slice(0, 5)) {
      const answer = await postCdr(cdrLine(uniqueid, "+79994440000"));
      expect(await answer.json()).toMatchObject({ success: true, recovered: 1 });
    }
    const refused = await postCdr(cdrLine(uniqueids[5]!, "+79994440000"));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      success: false,
      errorMsg: expect.stringMatching(
        /^too many CDR posts for this account: 5 at once, then one every 20 s; retry in \d+ s$/,
      ),
    });
    expect(await db().call.findFirst({ where: { accountId, uniqueid: uniqueids[5] } })).toBeNull();
  });

  it("cdr-sync.sh keeps its place when refused and posts the rest on its next run, several chunks a run", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cdr-flood-"));
    try {
      const script = path.join(dir, "cdr-sync.sh");
      await writeFile(script, renderScript("cdr-sync.sh", { serviceUrl: app.url, clientId }));
      const cdr = path.join(dir, "Master.csv");
      // Two chunks' worth: the script posts at most 512 KiB at a time.
      await writeFile(cdr, `${internalLines(4_000)}\n`);
      const state = path.join(dir, "state");
      // A script that has run before (its first run starts where AMI mode did: ami-cdr.test.ts).
      await mkdir(state, { recursive: true });
      await writeFile(path.join(state, "cdr-offset"), "0");
      const runScript = () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          let stderr = "";
          const child = spawn("bash", [script], {
            env: { ...process.env, CDR_FILE: cdr, MONITOR_DIR: path.join(dir, "monitor"), STATE_DIR: state },
            stdio: ["ignore", "ignore", "pipe"],
          });
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          child.once("exit", (code) => resolve({ code, stderr }));
        });
      const offset = () => readFile(path.join(state, "cdr-offset"), "utf8").then(Number, () => 0);

      await dbPool().query(
        `INSERT INTO "rate_limit_buckets" ("key", "tokens", "refreshedAt") VALUES ($1, 0, clock_timestamp())`,
        [`cdr:${accountId}`],
      );
      expect(await runScript()).toEqual({ code: 0, stderr: "" });
      expect(await offset()).toBe(0);

      await fullAllowance();
      expect(await runScript()).toEqual({ code: 0, stderr: "" });
      expect(await offset()).toBe((await stat(cdr)).size);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("CDR lines and AMI mode", () => {
  beforeAll(async () => {
    expect(
      await saveAsteriskSettings(
        accountId,
        amiForm(pbx, AMI_EVENTS_USER, "TCP", { eventSource: "AMI", amiEventsPort: String(pbx.tcpPort) }),
      ),
    ).toEqual({ ok: true });
    // A day later, with room for tasks again.
    await ageTaskWrites(25 * 60);
  });
  beforeEach(fullAllowance);

  it("a missed call from before AMI mode makes no task; one after it still does", async () => {
    const since = (await db().asteriskSettings.findUniqueOrThrow({ where: { accountId } })).amiEventsSince!;
    expect(Date.now() - since.getTime()).toBeLessThan(60_000);
    const before = `${epoch(since) - 3_600}.${++sequence}`;
    const after = `${epoch(since) + 1}.${++sequence}`;
    const tasksBefore = crm.state.tasks.size;
    const answer = await postCdr(`${cdrLine(before, "+79995550001")}\n${cdrLine(after, "+79995550002")}\n`);
    expect(await answer.json()).toMatchObject({ success: true, recovered: 2 });
    const kinds = async (uniqueid: string) =>
      (await db().delivery.findMany({ where: { accountId, call: { uniqueid } }, orderBy: { id: "asc" } })).map(
        (d) => d.kind,
      );
    expect(await kinds(before)).toEqual(["CALLS_UPLOAD"]);
    expect(await kinds(after)).toEqual(["CALLS_UPLOAD", "MISSED_TASK"]);
    await until(
      () => crm.state.tasks.size,
      (size) => size > tasksBefore,
      10_000,
    );
    expect([...crm.state.tasks.values()].at(-1)).toMatchObject({ phone: "+79995550002" });
  });

  it("a post of recent missed calls queues no more task requests than the caps have room for", async () => {
    await ageTaskWrites(25 * 60);
    const queued = await db().delivery.count({ where: { accountId, kind: "MISSED_TASK" } });
    const lines = Array.from({ length: 20 }, (_, i) =>
      cdrLine(`${epoch()}.${++sequence}`, `+7999600${String(i).padStart(4, "0")}`),
    );
    const answer = await postCdr(`${lines.join("\n")}\n`);
    expect(await answer.json()).toMatchObject({ success: true, recovered: 20 });
    expect(await db().delivery.count({ where: { accountId, kind: "MISSED_TASK" } })).toBe(queued + 5);
  });
});
