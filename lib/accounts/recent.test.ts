import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { until } from "@/e2e/setup/until";
import { announceAccountChange, hearsChanges, onAccountChange } from "@/lib/cache/changes";
import { db, dbPool } from "@/lib/db/client";
import { connectAccount } from "./connect";
import { forgetRecentAccounts, RECENT_MS, recentAccountByClientId, recentAsteriskSettings } from "./recent";

let sim: RetailCrmSim;

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
});
afterAll(() => sim.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Accounts whose change notice came back over the listener (connecting one announces it). */
const heard = new Set<string>();
onAccountChange((accountId, here) => {
  if (accountId && !here) heard.add(accountId);
});

describe("the ring path's memory of an account", () => {
  it("answers at once past RECENT_MS while it hears changes, and reads the account again behind the answer", async () => {
    expect(await until(hearsChanges, Boolean)).toBe(true);
    const { id, clientId } = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    // Connecting announced the account; its notice, heard later, would forget what is read now.
    expect(await until(() => heard.has(id), Boolean)).toBe(true);
    expect((await recentAccountByClientId(clientId))?.freeze).toBe(false);
    // Edited behind the service's back: no notice, so only reading the row again shows it.
    await db().account.update({ where: { id }, data: { freeze: true } });
    expect((await recentAccountByClientId(clientId))?.freeze).toBe(false);

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + RECENT_MS + 1 });
    expect((await recentAccountByClientId(clientId))?.freeze).toBe(false);
    vi.useRealTimers();
    const reread = await until(
      () => recentAccountByClientId(clientId),
      (account) => account?.freeze === true,
    );
    expect(reread?.freeze).toBe(true);
  });

  it("forgets an account the moment its change is announced", async () => {
    const { id, clientId } = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    expect(await until(hearsChanges, Boolean)).toBe(true);
    expect((await recentAccountByClientId(clientId))?.active).toBe(true);
    await db().account.update({ where: { id }, data: { active: false } });
    await announceAccountChange(id);
    expect((await recentAccountByClientId(clientId))?.active).toBe(false);
  });
});

/** The demo account connected again, once its change notice has come back over the listener. */
async function connectedAndHeard() {
  heard.clear();
  const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
  expect(await until(() => heard.has(account.id), Boolean)).toBe(true);
  return account;
}

/**
 * A reading of the account from the database (nothing remembered), whose statement has run and
 * whose answer waits for `release`.
 */
async function heldReading(clientId: string) {
  forgetRecentAccounts();
  const pool = dbPool();
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let ran = false;
  vi.spyOn(pool, "query").mockImplementationOnce((async (...args: unknown[]) => {
    const result = await query(...args);
    ran = true;
    await released;
    return result;
  }) as never);
  const reading = recentAccountByClientId(clientId);
  expect(await until(() => ran, Boolean)).toBe(true);
  return { reading, release };
}

describe("the ring path's memory and change notices", () => {
  it("does not remember a reading that a change notice overtook", async () => {
    const { id, clientId } = await connectedAndHeard();
    // The reading gets the rows as they were before the change, and comes back after its notice.
    const { reading, release } = await heldReading(clientId);
    await db().account.update({ where: { id }, data: { crmTimeZone: "Asia/Tokyo" } });
    await db().asteriskSettings.update({ where: { accountId: id }, data: { pbxTimeZone: "Asia/Tokyo" } });
    await announceAccountChange(id);
    release();
    expect((await reading)?.crmTimeZone).not.toBe("Asia/Tokyo");

    expect((await recentAccountByClientId(clientId))?.crmTimeZone).toBe("Asia/Tokyo");
    expect((await recentAsteriskSettings(id))?.pbxTimeZone).toBe("Asia/Tokyo");
  });

  it("remembers a reading overtaken only by another account's notice, or by a manager's status", async () => {
    const { id, clientId } = await connectedAndHeard();
    const { reading, release } = await heldReading(clientId);
    await announceAccountChange(randomUUID());
    await announceAccountChange(id, "staff");
    release();
    const remembered = (await reading)!.crmTimeZone;
    // Edited behind the service's back, without a notice: what was remembered is answered.
    await db().account.update({ where: { id }, data: { crmTimeZone: "Asia/Kamchatka" } });
    expect((await recentAccountByClientId(clientId))?.crmTimeZone).toBe(remembered);
  });
});

describe("the ring path's reading of an account", () => {
  it("reads the account and its settings in one statement, each as Prisma reads it", async () => {
    const { id, clientId } = await connectedAndHeard();
    await db().account.update({ where: { id }, data: { crmTimeZone: "Asia/Omsk" } });
    await db().asteriskSettings.update({
      where: { accountId: id },
      data: {
        amiSecretEnc: "secret",
        amiTransport: "TCP",
        eventSource: "AMI",
        countries: ["RU", "KZ"],
        amiEventsSince: new Date("2026-12-01T10:11:12.345Z"),
      },
    });
    const account = await db().account.findUniqueOrThrow({ where: { id } });
    const settings = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: id } });
    // Every column holds a value, so that each one's decoding is compared.
    expect(Object.entries({ ...account, ...settings }).filter(([, value]) => value === null)).toEqual([]);

    forgetRecentAccounts();
    expect(await recentAccountByClientId(clientId)).toEqual(account);
    // Removed behind the service's back: what is answered was read with the account.
    await db().asteriskSettings.delete({ where: { accountId: id } });
    expect(await recentAsteriskSettings(id)).toEqual(settings);
    forgetRecentAccounts();
    expect(await recentAsteriskSettings(id)).toBeNull();
  });

  it("reads only the models' columns: a column added by a migration leaves its statement working", async () => {
    const { id, clientId } = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    await db().asteriskSettings.upsert({ where: { accountId: id }, create: { accountId: id }, update: {} });
    forgetRecentAccounts();
    await recentAccountByClientId(clientId);
    await db().$executeRawUnsafe(`ALTER TABLE "accounts" ADD COLUMN "later" int DEFAULT 1`);
    await db().$executeRawUnsafe(`ALTER TABLE "asterisk_settings" ADD COLUMN "later" int DEFAULT 1`);
    try {
      forgetRecentAccounts();
      expect(await recentAccountByClientId(clientId)).not.toHaveProperty("later");
      expect(await recentAsteriskSettings(id)).not.toHaveProperty("later");
    } finally {
      await db().$executeRawUnsafe(`ALTER TABLE "accounts" DROP COLUMN "later"`);
      await db().$executeRawUnsafe(`ALTER TABLE "asterisk_settings" DROP COLUMN "later"`);
    }
  });

  it("remembers an account without settings as having none, and no account for an unknown clientId", async () => {
    const { id, clientId } = await connectedAndHeard();
    await db().asteriskSettings.deleteMany({ where: { accountId: id } });
    forgetRecentAccounts();
    expect((await recentAccountByClientId(clientId))?.id).toBe(id);
    await db().asteriskSettings.create({ data: { accountId: id } });
    expect(await recentAsteriskSettings(id)).toBeNull();
    expect(await recentAccountByClientId("f".repeat(64))).toBeNull();
  });
});
