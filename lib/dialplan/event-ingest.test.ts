// What one dialplan event leaves in the database: the event, the call as the journal shows it,
// the CRM requests it owes (in order) and the call's delivery job. No worker runs here.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "@/lib/db/client";
import { installQueue } from "@/lib/delivery/worker";
import { EventRejected, ingestCallEvent } from "./event-ingest";

let accountId: string;
let sequence = 0;
const uniqueid = () => `1800000000.${++sequence}`;

async function stored(id: string) {
  const call = await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid: id } } });
  const deliveries = await db().delivery.findMany({ where: { callId: call.id }, orderBy: { id: "asc" } });
  const events = await db().callEvent.findMany({ where: { accountId, uniqueid: id }, orderBy: { id: "asc" } });
  const jobs = await db().$queryRaw<{ key: string; attempts: number }[]>`
    SELECT key, max_attempts AS attempts FROM graphile_worker._private_jobs WHERE key = ${`call:${call.id}`}`;
  return { call, deliveries: deliveries.map((d) => ({ kind: d.kind, payload: d.payload as Record<string, unknown> })), events, jobs };
}

beforeAll(async () => {
  await installQueue(process.env.DATABASE_URL!);
  accountId = (await createTestAccount()).id;
  await db().crmUser.createMany({
    data: [
      { accountId, crmUserId: 7, extension: "105" },
      { accountId, crmUserId: 3, extension: "101" },
      { accountId, crmUserId: 5 },
      { accountId, crmUserId: 4, extension: "102" },
    ],
  });
});

describe("ingestCallEvent", () => {
  it("stores an incoming call with its popup request and one delivery job", async () => {
    const id = uniqueid();
    expect(await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567", code: "101,102" })).toEqual({ duplicate: false });
    const { call, deliveries, events, jobs } = await stored(id);
    expect(call).toMatchObject({ direction: "IN", phone: "+79001234567", extension: null, result: null });
    expect(call.startedAt).toBeInstanceOf(Date);
    expect(deliveries).toEqual([{ kind: "CALL_EVENT", payload: { phone: "+79001234567", type: "in", codes: ["101", "102"], callExternalId: id } }]);
    expect(events.map((e) => e.type)).toEqual(["IN"]);
    expect(jobs).toEqual([{ key: `call:${call.id}`, attempts: 30 }]);
  });

  it("rings every mapped extension, in the CRM's user order, when an incoming call names none", async () => {
    const id = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567" });
    expect((await stored(id)).deliveries[0]!.payload.codes).toEqual(["101", "102", "105"]);
  });

  it("completes the call on hangup: the popup's close first, then the upload, the direction kept from the start", async () => {
    const id = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "out", uniqueid: id, phone: "+79001230000", code: "102", date: "2026-11-20 09:00:00" });
    await ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: id, phone: "+79001230000", status: "ANSWER", hold: 3, duration: 61 });
    const { call, deliveries, jobs } = await stored(id);
    expect(call).toMatchObject({ direction: "OUT", extension: "102", result: "answered", waitSeconds: 3, talkSeconds: 61 });
    expect(call.startedAt).toEqual(new Date("2026-11-20T09:00:00Z"));
    expect(deliveries.map((d) => [d.kind, d.payload.type])).toEqual([
      ["CALL_EVENT", "out"],
      ["CALL_EVENT", "hangup"],
      ["CALLS_UPLOAD", "out"],
    ]);
    expect(deliveries[2]!.payload).toMatchObject({ phone: "+79001230000", result: "answered", duration: 61, durationWaiting: 3, externalId: id });
    expect(deliveries[2]!.payload).not.toHaveProperty("code");
    expect(jobs).toHaveLength(1);
  });

  it("takes a hangup that arrives alone as an incoming call unless it says direct=out", async () => {
    const alone = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: alone, phone: "+79001230001", code: "101", status: "NOANSWER", date: "2026-11-21 10:00:00" });
    const first = await stored(alone);
    expect(first.call).toMatchObject({ direction: "IN", extension: "101", result: "no answer", waitSeconds: null, talkSeconds: null });
    expect(first.deliveries[1]!.payload).toMatchObject({ type: "in", code: "101", date: "2026-11-21 10:00:00", duration: 0, durationWaiting: 0 });

    const outward = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: outward, phone: "+79001230002", status: "BUSY", direct: "out" });
    expect((await stored(outward)).deliveries[1]!.payload.type).toBe("out");
  });

  it("stores a repeated event once and owes nothing more for it", async () => {
    const id = uniqueid();
    const params = { clientId: "c", type: "in" as const, uniqueid: id, phone: "+79001234567", code: "101" };
    await ingestCallEvent(accountId, params);
    expect(await ingestCallEvent(accountId, { ...params, phone: "+70000000000" })).toEqual({ duplicate: true });
    const { call, deliveries, events } = await stored(id);
    expect(call.phone).toBe("+79001234567");
    expect(deliveries).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it("keeps both events of a call that arrive at the same moment, with one call and one job", async () => {
    for (let round = 0; round < 10; round++) {
      const id = uniqueid();
      await Promise.all([
        ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567", code: "101" }),
        ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: id, phone: "+79001234567", code: "101", status: "ANSWER", direct: "in", duration: 5 }),
      ]);
      const { call, deliveries, events, jobs } = await stored(id);
      expect(call).toMatchObject({ direction: "IN", result: "answered", talkSeconds: 5 });
      expect(deliveries.map((d) => d.kind).sort()).toEqual(["CALLS_UPLOAD", "CALL_EVENT", "CALL_EVENT"]);
      expect(events).toHaveLength(2);
      expect(jobs).toHaveLength(1);
    }
  });

  it("refuses what it cannot store and stores none of it", async () => {
    const id = uniqueid();
    await expect(ingestCallEvent(accountId, { clientId: "c", type: "out", uniqueid: id, phone: "+79001234567", code: "101,102" })).rejects.toThrow(EventRejected);
    await expect(ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: id, status: "ANSWER" })).rejects.toThrow(/phone is required/);
    expect(await db().callEvent.count({ where: { accountId, uniqueid: id } })).toBe(0);
    expect(await db().call.count({ where: { accountId, uniqueid: id } })).toBe(0);
  });

  describe("the call's delivery job", () => {
    const jobKey = async (id: string) => `call:${(await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid: id } } })).id}`;
    const jobsOf = async (key: string) =>
      db().$queryRaw<{ key: string | null; attempts: number; due: boolean }[]>`
        SELECT key, attempts, run_at <= now() AS due FROM graphile_worker._private_jobs WHERE payload::jsonb = (SELECT payload::jsonb FROM graphile_worker._private_jobs WHERE key = ${key}) ORDER BY id`;
    const start = (id: string) => ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567", code: "101" });
    const hangup = (id: string) => ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: id, phone: "+79001234567", status: "ANSWER" });

    it("is not added twice while it waits untried", async () => {
      const id = uniqueid();
      await start(id);
      await hangup(id);
      expect(await jobsOf(await jobKey(id))).toEqual([{ key: await jobKey(id), attempts: 0, due: true }]);
    });

    it("gets a new run when the event arrives while it runs", async () => {
      const id = uniqueid();
      await start(id);
      const key = await jobKey(id);
      await db().$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'test-worker' WHERE key = ${key}`;
      await hangup(id);
      const jobs = await db().$queryRaw<{ key: string | null; locked: boolean }[]>`
        SELECT key, locked_at IS NOT NULL AS locked FROM graphile_worker._private_jobs WHERE payload::jsonb = ${JSON.stringify({ callId: Number(key.slice(5)) })}::jsonb ORDER BY id`;
      expect(jobs).toEqual([
        { key: null, locked: true },
        { key, locked: false },
      ]);
    });

    it("is retried at once when an event arrives during its backoff", async () => {
      const id = uniqueid();
      await start(id);
      const key = await jobKey(id);
      await db().$executeRaw`UPDATE graphile_worker._private_jobs SET attempts = 3, run_at = now() + interval '1 hour' WHERE key = ${key}`;
      await hangup(id);
      expect(await jobsOf(key)).toEqual([{ key, attempts: 0, due: true }]);
    });

    it("gets a new run when a worker takes it while the event is being stored", async () => {
      const id = uniqueid();
      await start(id);
      const key = await jobKey(id);
      const worker = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await worker.connect();
      try {
        // What graphile-worker's get_job does: lock the job, mark it taken, commit.
        await worker.query("BEGIN");
        await worker.query("SELECT id FROM graphile_worker._private_jobs WHERE key = $1 FOR UPDATE", [key]);
        const storing = hangup(id);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await worker.query("UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'test-worker' WHERE key = $1", [key]);
        await worker.query("COMMIT");
        await storing;
      } finally {
        await worker.end();
      }
      const jobs = await db().$queryRaw<{ key: string | null }[]>`
        SELECT key FROM graphile_worker._private_jobs WHERE payload::jsonb = ${JSON.stringify({ callId: Number(key.slice(5)) })}::jsonb ORDER BY id`;
      expect(jobs).toEqual([{ key: null }, { key }]);
    });
  });
});
