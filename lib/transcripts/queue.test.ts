// The queue of recordings to transcribe (docs/transcripts.md, «Queue»): what enters it, fairness
// among accounts across processes, and the monthly cap.
import { afterEach, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "@/lib/db/client";
import { WorkerLiveness } from "@/lib/db/liveness";
import { claimTranscriptions, queueRecordings, reserveMinutes } from "./queue";

const held: WorkerLiveness[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((liveness) => liveness.close()));
  // Each case starts from an empty queue and no account switched on.
  await db().transcript.deleteMany();
  await db().transcriptSettings.deleteMany();
});

async function alive(worker: string): Promise<void> {
  const liveness = new WorkerLiveness(process.env.DATABASE_URL!);
  await liveness.hold(worker);
  held.push(liveness);
}

let sequence = 0;
async function recordedCall(
  accountId: string,
  options: { at?: Date; replaceable?: boolean; ignored?: boolean } = {},
): Promise<number> {
  const uniqueid = `1733500000.${++sequence}`;
  const call = await db().call.create({ data: { accountId, uniqueid, ignored: options.ignored ?? false } });
  await db().recording.create({
    data: {
      accountId,
      callId: call.id,
      uniqueid,
      storageKey: `key-${sequence}-${accountId}.wav`,
      contentType: "audio/wav",
      sizeBytes: 44,
      replaceable: options.replaceable ?? false,
      ...(options.at ? { createdAt: options.at } : {}),
    },
  });
  return call.id;
}

async function switchedOn(accountId: string, since = new Date(Date.now() - 60_000)): Promise<void> {
  await db().transcriptSettings.create({ data: { accountId, enabled: true, enabledAt: since } });
}

describe("queueRecordings", () => {
  it("queues each call once, only of accounts switched on, only what was recorded since and can no longer be replaced", async () => {
    const on = await createTestAccount();
    const off = await createTestAccount();
    await switchedOn(on.id);
    await db().transcriptSettings.create({ data: { accountId: off.id, enabled: false, enabledAt: new Date(0) } });
    const fresh = await recordedCall(on.id);
    await recordedCall(on.id, { at: new Date(Date.now() - 120_000) });
    await recordedCall(on.id, { replaceable: true });
    await recordedCall(off.id);
    expect(await queueRecordings()).toBe(1);
    expect(await queueRecordings()).toBe(0);
    expect((await db().transcript.findMany()).map((t) => t.callId)).toEqual([fresh]);
  });

  it("never queues a call of a number on the account's ignore list", async () => {
    const account = await createTestAccount();
    await switchedOn(account.id);
    await recordedCall(account.id, { ignored: true });
    const kept = await recordedCall(account.id);
    expect(await queueRecordings()).toBe(1);
    expect((await db().transcript.findMany()).map((t) => t.callId)).toEqual([kept]);
  });
});

describe("claimTranscriptions", () => {
  it("takes one call per account, none of an account a live process is working on, and serves the account waiting longest first", async () => {
    const busy = await createTestAccount();
    const quiet = await createTestAccount();
    await switchedOn(busy.id);
    await switchedOn(quiet.id);
    for (let i = 0; i < 3; i++) await recordedCall(busy.id);
    await queueRecordings();
    await alive("w1");
    await alive("w2");
    const first = await claimTranscriptions("w1", 10);
    expect(first.map((c) => c.accountId)).toEqual([busy.id]);
    // The busy account's next calls wait while w1 lives; the quiet account's first call goes at once.
    await recordedCall(quiet.id);
    await queueRecordings();
    expect((await claimTranscriptions("w2", 10)).map((c) => c.accountId)).toEqual([quiet.id]);
  });

  it("serves the account served longest ago first, though another's call waits longer", async () => {
    const early = await createTestAccount();
    const late = await createTestAccount();
    await switchedOn(early.id);
    await switchedOn(late.id);
    await alive("w4");
    const done = () => db().transcript.updateMany({ where: { worker: "w4" }, data: { state: "DONE", worker: null } });
    await recordedCall(early.id);
    await queueRecordings();
    expect((await claimTranscriptions("w4", 1)).map((c) => c.accountId)).toEqual([early.id]);
    await done();
    await recordedCall(late.id);
    await recordedCall(late.id);
    await queueRecordings();
    expect((await claimTranscriptions("w4", 1)).map((c) => c.accountId)).toEqual([late.id]);
    await done();
    // The late account's second call has waited since before this one; the early account was served first.
    await recordedCall(early.id);
    await queueRecordings();
    expect((await claimTranscriptions("w4", 1)).map((c) => c.accountId)).toEqual([early.id]);
  });

  it("takes over a call whose process died", async () => {
    const account = await createTestAccount();
    await switchedOn(account.id);
    await recordedCall(account.id);
    await queueRecordings();
    await alive("dead");
    expect(await claimTranscriptions("dead", 1)).toHaveLength(1);
    expect(await claimTranscriptions("w3", 1)).toHaveLength(0);
    await held.pop()!.close();
    const again = await claimTranscriptions("w3", 1);
    expect(again).toMatchObject([{ attempts: 2 }]);
  });
});

describe("reserveMinutes", () => {
  it("counts audio against the month's cap and refuses what would pass it, counting nothing then", async () => {
    const account = await createTestAccount();
    expect(await reserveMinutes(account.id, 90, 2)).toBe(true);
    expect(await reserveMinutes(account.id, 31, 2)).toBe(false);
    expect(await reserveMinutes(account.id, 30, 2)).toBe(true);
    expect(await reserveMinutes(account.id, 1, 2)).toBe(false);
    expect(await reserveMinutes(account.id, 1, 0)).toBe(false);
    const [usage] = await db().transcriptUsage.findMany({ where: { accountId: account.id } });
    expect(usage?.seconds).toBe(120);
  });
});
