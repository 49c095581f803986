// Nothing is lost: a delivery worker killed with SIGKILL mid-delivery, and a CRM that stays down
// for an hour (time compressed by moving the queue's retry times forward).
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { connectAccount } from "@/lib/accounts/connect";
import { db } from "@/lib/db/client";
import { ingestCallEvent } from "@/lib/dialplan/event-ingest";
import { startDeliveryWorker } from "@/lib/delivery/worker";
import { until } from "@/e2e/setup/until";

let crm: RetailCrmSim;
let accountId: string;

async function hangups(prefix: string, count: number) {
  for (let i = 0; i < count; i++) {
    await ingestCallEvent(accountId, {
      clientId: "x",
      type: "hangup",
      uniqueid: `${prefix}.${i}`,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 10:00:00",
      duration: 30,
    });
  }
}

const sent = (prefix: string) =>
  db().delivery.count({ where: { accountId, state: "SENT", call: { uniqueid: { startsWith: prefix } } } });

async function fastForwardRetries(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      "UPDATE graphile_worker._private_jobs SET run_at = now() WHERE locked_at IS NULL AND run_at > now()",
    );
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  accountId = (await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey })).id;
});
afterAll(() => crm.close());

describe("durable delivery", () => {
  it("loses nothing when the worker process is killed mid-delivery", async () => {
    crm.setLatency(150, "/api/v5/telephony");
    await hangups("1900000000", 15);
    const child = spawn(process.execPath, ["--import", "tsx", "e2e/setup/worker-process.ts"], {
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) =>
      child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()),
    );
    await until(
      () => sent("1900000000"),
      (n) => n >= 6,
      30_000,
    );
    const killed = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await killed;
    const before = await sent("1900000000");
    expect(before).toBeLessThan(30);

    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100 });
    try {
      expect(
        await until(
          () => sent("1900000000"),
          (n) => n === 30,
          30_000,
        ),
      ).toBe(30);
      const uploaded = new Set(
        crm.state.calls.map((c) => c.call.externalId).filter((id) => id?.startsWith("1900000000")),
      );
      expect(uploaded.size).toBe(15);
      const hangupEvents = crm.state.callEvents.filter((e) => String(e.event.callExternalId).startsWith("1900000000"));
      expect(hangupEvents.length).toBeGreaterThanOrEqual(15);
      expect(hangupEvents.length).toBeLessThanOrEqual(15 + 4);
    } finally {
      await worker.stop();
      crm.setLatency(0);
    }
  }, 90_000);

  it("keeps retrying through an hour-long CRM outage and delivers everything once, in order, when it is back", async () => {
    crm.setOutage("reset");
    await ingestCallEvent(accountId, {
      clientId: "x",
      type: "in",
      uniqueid: "1900000001.1",
      phone: "+79001234567",
      code: "101",
    });
    await hangups("1900000001", 3);
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100 });
    try {
      for (let round = 0; round < 8; round++) {
        const attempts = await db().deliveryAttempt.count({
          where: { delivery: { accountId, call: { uniqueid: { startsWith: "1900000001" } } } },
        });
        await until(
          () =>
            db().deliveryAttempt.count({
              where: { delivery: { accountId, call: { uniqueid: { startsWith: "1900000001" } } } },
            }),
          (n) => n > attempts,
          10_000,
        );
        await fastForwardRetries();
      }
      expect(await sent("1900000001")).toBe(0);
      const jobs = await db().$queryRaw<{ attempts: number }[]>`SELECT attempts FROM graphile_worker._private_jobs`;
      expect(Math.max(...jobs.map((j) => j.attempts))).toBeGreaterThanOrEqual(8);

      crm.setOutage("none");
      await fastForwardRetries();
      expect(
        await until(
          () => sent("1900000001"),
          (n) => n === 7,
          30_000,
        ),
      ).toBe(7);
      const first = crm.state.callEvents
        .filter((e) => e.event.callExternalId === "1900000001.1")
        .map((e) => e.event.type);
      expect(first).toEqual(["in", "hangup"]);
      expect(crm.state.calls.filter((c) => String(c.call.externalId).startsWith("1900000001"))).toHaveLength(3);
    } finally {
      await worker.stop();
      crm.setOutage("none");
    }
  }, 120_000);

  it("comes through a storm of 503 rate-limit refusals with every event once, in order", async () => {
    for (let i = 0; i < 5; i++) {
      await ingestCallEvent(accountId, {
        clientId: "x",
        type: "in",
        uniqueid: `1900000003.${i}`,
        phone: "+79001234567",
        code: "101",
      });
    }
    await hangups("1900000003", 5);
    crm.clearRequests();
    crm.failNext(60, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100 });
    try {
      for (let round = 0; round < 40 && (await sent("1900000003")) < 15; round++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await fastForwardRetries();
      }
      expect(await sent("1900000003")).toBe(15);
    } finally {
      await worker.stop();
    }
    expect(crm.requests.filter((r) => r.status === 503)).toHaveLength(60);
    for (let i = 0; i < 5; i++) {
      const id = `1900000003.${i}`;
      expect(
        crm.state.callEvents.filter((e) => e.event.callExternalId === id).map((e) => e.event.type),
        id,
      ).toEqual(["in", "hangup"]);
      const uploads = crm.requests.filter(
        (r) => r.status === 200 && r.path.endsWith("/calls/upload") && r.form.calls!.includes(`"${id}"`),
      );
      expect(uploads, id).toHaveLength(1);
    }
  }, 120_000);
});

describe("calls/upload under backlog", () => {
  it("sends queued uploads of many calls in batches of at most 50, each call once", async () => {
    await hangups("1900000002", 60);
    crm.clearRequests();
    // The CRM refuses uploads for a moment: the calls' events go out meanwhile and their uploads pile up.
    crm.failNext(60, {
      status: 503,
      pathPrefix: "/api/v5/telephony/calls/upload",
      body: { success: false, errorMsg: "Rate limit exceeded" },
    });
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100, concurrency: 2 });
    try {
      expect(
        await until(
          () => sent("1900000002"),
          (n) => n === 120,
          60_000,
        ),
      ).toBe(120);
    } finally {
      await worker.stop();
    }
    const uploads = crm.requests.filter((r) => r.path === "/api/v5/telephony/calls/upload" && r.status === 200);
    const sizes = uploads.map((r) => (JSON.parse(r.form.calls!) as unknown[]).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(uploads.length).toBeLessThan(60);
    const externalIds = uploads.flatMap((r) =>
      (JSON.parse(r.form.calls!) as { externalId: string }[]).map((c) => c.externalId),
    );
    expect(new Set(externalIds).size).toBe(60);
    expect(externalIds).toHaveLength(60);
  }, 90_000);
});
