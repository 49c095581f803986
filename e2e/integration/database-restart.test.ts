// A PostgreSQL restart under load: requests in the gap get a precise 503 (never a 500, never a
// hang), and once the server is back the service answers and delivers again by itself.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { mapExtensions } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as event from "@/app/api/event/route";
import * as manager from "@/app/api/manager/route";
import { connectAccount, forgetRecentAccounts } from "@/lib/accounts";
import { db } from "@/lib/db/client";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { until } from "@/e2e/setup/until";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";

let dataDir: string;
let port: number;
let database: EmbeddedDatabase;
let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let clientId: string;
let accountId: string;

const startDatabase = () => startEmbeddedDatabase({ dataDir, port });

async function sendEvent(uniqueid: string) {
  const query = new URLSearchParams({
    clientId,
    type: "hangup",
    uniqueid,
    phone: "+79001234567",
    code: "101",
    status: "ANSWER",
    direct: "in",
    duration: "10",
  });
  const started = performance.now();
  const response = await fetch(`${app.url}/api/event?${query}`);
  return {
    status: response.status,
    ms: performance.now() - started,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as { errorMsg?: string },
  };
}

async function askManager() {
  const response = await fetch(
    `${app.url}/api/manager?${new URLSearchParams({ clientId, phone: "+79001234567", type: "text" })}`,
  );
  return { status: response.status, body: await response.text(), error: response.headers.get("x-bridge-error") };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "bridge-db-restart-"));
  port = 56000 + Math.floor(Math.random() * 2000);
  database = await startDatabase();
  await applyMigrations(database.url);
  process.env.DATABASE_URL = database.url;

  crm = await createRetailCrmSim();
  seedDemo(crm);
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  clientId = account.clientId;
  accountId = account.id;
  await mapExtensions(account.id, { 3: "101" });
  app = await serveRoutes({ "/api/event": event, "/api/manager": manager });
  worker = await startDeliveryWorker(database.url, FAST_DELIVERY);
}, 120_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await app?.close();
  await crm?.close();
  await database?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** until(), with a probe that fails counting as a value that is not yet ok. */
const untilSettled = <T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number) =>
  until(() => probe().catch((error: unknown) => error as T), ok, timeoutMs, 200);

describe("a database restart under load", () => {
  it("answers 503 with Retry-After during the gap and recovers by itself, losing no acknowledged event", async () => {
    const acknowledged: string[] = [];
    const refused: string[] = [];
    // A slow CRM keeps deliveries in flight when the database goes: their outcomes cannot be
    // recorded until it is back, and the lanes must carry on by themselves.
    crm.setLatency(700, "/api/v5/telephony");
    for (let i = 0; i < 5; i++) {
      const id = `1800000000.${i}`;
      expect((await sendEvent(id)).status).toBe(200);
      acknowledged.push(id);
    }

    await untilSettled(
      async () => crm.requests.length,
      () => crm.requests.some((r) => r.path.startsWith("/api/v5/telephony")),
      10_000,
    );
    expect((await askManager()).body).toMatch(/,101$/);
    await database.stop();
    // A caller asked about moments ago is answered from memory (account, settings and answer are recent)...
    expect(await askManager()).toMatchObject({ status: 200, body: expect.stringMatching(/,101$/) });
    for (let i = 5; i < 10; i++) {
      const id = `1800000000.${i}`;
      const answer = await sendEvent(id);
      expect(answer.status).toBe(503);
      expect(answer.body.errorMsg).toMatch(/database|retry/);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(answer.ms).toBeLessThan(6_000);
      refused.push(id);
    }
    // ...anything that needs the database gets a precise 503.
    forgetRecentAccounts();
    const duringGap = await askManager();
    expect(duringGap.status).toBe(503);
    expect(duringGap.body).toBe(",");
    expect(duringGap.error).toMatch(/database unreachable/);

    database = await startDatabase();
    crm.setLatency(0);
    const back = await untilSettled(
      () => sendEvent("1800000000.10"),
      (a) => a.status === 200,
      30_000,
    );
    expect(back.status).toBe(200);
    acknowledged.push("1800000000.10");
    // What the dialplan was told to retry, it retries (event.sh does): now it is stored.
    for (const id of refused) {
      expect((await sendEvent(id)).status).toBe(200);
      acknowledged.push(id);
    }
    // The CRM is asked again (the answer was forgotten with the gap); on a loaded machine the first
    // question may outlast the ring path's time budget and be answered empty, the next from memory.
    const after = await untilSettled(
      () => askManager(),
      (answer) => /,101$/.test(answer.body),
      10_000,
    );
    expect(after.body).toMatch(/,101$/);

    const delivered = () =>
      Promise.resolve(
        new Set(crm.state.calls.map((c) => c.call.externalId).filter((id) => id?.startsWith("1800000000."))),
      );
    const uploaded = await untilSettled(delivered, (ids) => ids.size === acknowledged.length, 60_000);
    expect([...uploaded].sort()).toEqual([...acknowledged].sort());
    expect(crm.state.calls.filter((c) => String(c.call.externalId).startsWith("1800000000."))).toHaveLength(
      acknowledged.length,
    );
    expect(await db().call.count({ where: { accountId } })).toBe(acknowledged.length);
  }, 120_000);
});
