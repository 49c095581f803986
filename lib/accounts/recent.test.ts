import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { until } from "@/e2e/setup/until";
import { announceAccountChange, hearsChanges, onAccountChange } from "@/lib/cache/changes";
import { db } from "@/lib/db/client";
import { connectAccount } from "./connect";
import { RECENT_MS, recentAccountByClientId } from "./recent";

let sim: RetailCrmSim;

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
});
afterAll(() => sim.close());
afterEach(() => vi.useRealTimers());

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
