import { beforeAll, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { seedCallHistory } from "@/e2e/fixtures/call-history";
import { db } from "@/lib/db/client";
import { accountOverview } from "@/lib/overview";

const NOW = new Date("2026-12-05T12:00:00Z");
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3600_000);

let accountId: string;
let otherId: string;

async function call(
  account: string,
  at: Date,
  fields: { direction: "IN" | "OUT"; result: string | null; wait?: number; talk?: number; extension?: string },
) {
  const created = await db().call.create({
    data: {
      accountId: account,
      uniqueid: `u-${Math.random()}`,
      direction: fields.direction,
      result: fields.result,
      waitSeconds: fields.wait ?? null,
      talkSeconds: fields.talk ?? null,
      extension: fields.extension ?? null,
      startedAt: at,
      createdAt: at,
    },
  });
  return created.id;
}

async function delivery(
  account: string,
  callId: number,
  state: "SENT" | "QUEUED" | "FAILED",
  at: Date,
  lastError?: string,
) {
  const event = await db().callEvent.create({
    data: { accountId: account, uniqueid: `e-${Math.random()}`, type: "HANGUP", payload: {}, receivedAt: at },
  });
  await db().delivery.create({
    data: { accountId: account, callId, eventId: event.id, kind: "CALLS_UPLOAD", state, createdAt: at, lastError },
  });
}

beforeAll(async () => {
  accountId = (await createTestAccount()).id;
  otherId = (await createTestAccount()).id;
  await db().crmUser.create({
    data: { accountId, crmUserId: 1, lastName: "Иванов", firstName: "Иван", extension: "101" },
  });
  // A start counts on the CRM's clock (Moscow here, as the journal and the CRM show it): 23:30 is still that day.
  const answered = await call(accountId, new Date("2026-12-04T20:30:00Z"), {
    direction: "IN",
    result: "answered",
    wait: 10,
    talk: 60,
    extension: "101",
  });
  await call(accountId, hoursAgo(2), { direction: "IN", result: "no answer", wait: 30 });
  await call(accountId, new Date("2026-12-04T20:00:00Z"), { direction: "IN", result: "busy", wait: 5 });
  await call(accountId, hoursAgo(30), { direction: "OUT", result: "answered", talk: 120, extension: "101" });
  await call(accountId, hoursAgo(50), { direction: "OUT", result: "no answer", extension: "102" });
  await call(accountId, hoursAgo(24 * 10), { direction: "IN", result: "answered", wait: 100, extension: "102" });
  await call(accountId, hoursAgo(1), { direction: "IN", result: null, wait: 3 });
  await call(otherId, hoursAgo(1), { direction: "IN", result: "no answer", wait: 50, extension: "101" });

  await delivery(accountId, answered, "SENT", hoursAgo(3));
  await delivery(accountId, answered, "SENT", hoursAgo(4));
  await delivery(accountId, answered, "FAILED", hoursAgo(5), "CRM 400: phone is invalid");
  await delivery(accountId, answered, "QUEUED", hoursAgo(24 * 40));
  await delivery(otherId, answered, "FAILED", hoursAgo(1), "B's own error");
});

describe("accountOverview", () => {
  it("counts the last 7 days by the day each call started, the account's own calls only", async () => {
    const overview = await accountOverview(accountId, 7, NOW);
    expect(overview.days).toHaveLength(7);
    expect(overview.days.at(-1)).toEqual({ day: "2026-12-05", answered: 0, missed: 1, unanswered: 0 });
    expect(overview.days.at(-2)).toEqual({ day: "2026-12-04", answered: 2, missed: 1, unanswered: 0 });
    expect(overview.days.at(-3)).toEqual({ day: "2026-12-03", answered: 0, missed: 0, unanswered: 1 });
    expect(overview.days[0]).toEqual({ day: "2026-11-29", answered: 0, missed: 0, unanswered: 0 });
    expect(overview).toMatchObject({ calls: 5, incoming: 3, missed: 2 });
    // The days add up to the totals.
    const sum = overview.days.reduce((n, d) => n + d.answered + d.missed + d.unanswered, 0);
    expect(sum).toBe(overview.calls);
    expect(overview.missedShare).toBeCloseTo(2 / 3);
    expect(overview.averageWaitSeconds).toBeCloseTo(15);
    // percentile_cont over 5, 10, 30: 10 + 0.8 × (30 − 10).
    expect(overview.p90WaitSeconds).toBeCloseTo(26);
    expect(overview.managers).toEqual([
      { extension: "101", name: "Иванов Иван", incoming: 1, outgoing: 1, talkSeconds: 180 },
      { extension: "102", name: null, incoming: 0, outgoing: 1, talkSeconds: 0 },
    ]);
  });

  it("reports delivery: sent and refused in the period, everything still queued, the last CRM error", async () => {
    const { delivery: health } = await accountOverview(accountId, 7, NOW);
    expect(health).toMatchObject({ sent: 2, failed: 1, waiting: 1 });
    expect(health.oldestWaitingAt?.toISOString()).toBe(hoursAgo(24 * 40).toISOString());
    expect(health.lastError?.message).toBe("CRM 400: phone is invalid");
  });

  it("a call recovered late (stored today, started before the period) counts on no day and in no total", async () => {
    const late = (await createTestAccount()).id;
    const id = await call(late, NOW, { direction: "IN", result: "no answer", wait: 7 });
    await db().call.update({ where: { id }, data: { startedAt: new Date("2026-11-01T10:00:00Z") } });
    await call(late, hoursAgo(30), { direction: "IN", result: "no answer", wait: 9 });
    const overview = await accountOverview(late, 7, NOW);
    expect(overview).toMatchObject({ calls: 1, missed: 1, averageWaitSeconds: 9 });
    expect(overview.days.at(-2)).toMatchObject({ day: "2026-12-04", missed: 1 });
  });

  it("counts a call on the day of the account's CRM: 01:30 in Vladivostok is the next day there", async () => {
    const moscow = (await createTestAccount()).id;
    const vladivostok = (await createTestAccount()).id;
    await db().account.update({ where: { id: vladivostok }, data: { crmTimeZone: "Asia/Vladivostok" } });
    for (const account of [moscow, vladivostok])
      await call(account, new Date("2026-12-04T15:30:00Z"), { direction: "IN", result: "answered", wait: 1 });
    expect((await accountOverview(moscow, 7, NOW)).days.at(-2)).toMatchObject({ day: "2026-12-04", answered: 1 });
    const there = await accountOverview(vladivostok, 7, NOW);
    expect(there.days.at(-1)).toMatchObject({ day: "2026-12-05", answered: 1 });
    expect(there.days.at(-2)).toMatchObject({ day: "2026-12-04", answered: 0 });
  });

  it("30 days reach further back", async () => {
    const overview = await accountOverview(accountId, 30, NOW);
    expect(overview.days).toHaveLength(30);
    expect(overview).toMatchObject({ calls: 6, incoming: 4, missed: 2 });
    expect(overview.managers.find((m) => m.extension === "102")).toMatchObject({ incoming: 1, outgoing: 1 });
  });

  it("sums a large team beyond the top managers into one row", async () => {
    const big = (await createTestAccount()).id;
    await seedCallHistory(big, { calls: 3000, days: 7, managers: 40, now: NOW });
    const overview = await accountOverview(big, 7, NOW);
    expect(overview.managers).toHaveLength(15);
    expect(overview.managers.at(-1)?.extension).toBe("");
    const answeredIn = overview.managers.reduce((sum, m) => sum + m.incoming, 0);
    const outgoing = overview.managers.reduce((sum, m) => sum + m.outgoing, 0);
    expect(outgoing).toBe(1000);
    // Incoming (i % 3 ≠ 0) answered (i % 5 ≠ 0): 2000 − 2000 / 5.
    expect(answeredIn).toBe(1600);
    expect(overview.calls).toBe(3000);
    expect(overview.delivery).toMatchObject({ sent: 3000 + 3000 - 60, failed: 45, waiting: 15 });
  });
});
