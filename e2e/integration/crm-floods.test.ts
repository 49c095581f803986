// Floods that would reach a customer's CRM (docs/security.md, «Потоки в CRM»), end to end with the
// set-up of ami-events: the retailCRM simulator, /api/cdr served. CDR posts over the size and the
// rate /api/cdr takes, and cdr-sync.sh meeting the refusal.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { renderScript } from "@/lib/agi/event-sh";
import { db, dbPool } from "@/lib/db/client";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;
let accountId: string;
let sequence = 0;

const epoch = (date = new Date()) => Math.floor(date.getTime() / 1000);

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
async function fullCdrAllowance(): Promise<void> {
  await dbPool().query(`DELETE FROM "rate_limit_buckets" WHERE "key" = $1`, [`cdr:${accountId}`]);
}

beforeAll(async () => {
  app = await serveRoutes({ "/api/cdr": await import("@/app/api/cdr/route") });
  const demo = await demoCrmAccount();
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
});

afterAll(async () => {
  await app.close();
  await crm.close();
});

describe("/api/cdr takes a bounded amount of CDR", () => {
  beforeEach(fullCdrAllowance);

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

      await fullCdrAllowance();
      expect(await runScript()).toEqual({ code: 0, stderr: "" });
      expect(await offset()).toBe((await stat(cdr)).size);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
