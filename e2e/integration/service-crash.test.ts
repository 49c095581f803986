// The service killed with SIGKILL in the middle of a burst of calls. The dialplan side retries
// what was not acknowledged (as event.sh does with curl --retry); after a restart, every call
// reaches the CRM, in order, and nothing acknowledged is lost or uploaded twice.
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "@/e2e/setup/free-port";
import { until } from "@/e2e/setup/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { mapExtensions } from "@/e2e/setup/factories";
import { connectAccount } from "@/lib/accounts";
import { db } from "@/lib/db/client";

const CALLS = 60;
const WORKER_SLOTS = 4;

let crm: RetailCrmSim;
let clientId: string;
let accountId: string;
let port: number;
let service: ChildProcess | undefined;

async function startService(): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", "e2e/setup/service-process.ts"], {
    env: { ...process.env, SERVICE_PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  service = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`the service exited with ${code} before it was ready`)));
  });
}

async function killService(): Promise<void> {
  const child = service!;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** One dialplan request, retried like curl --retry --retry-connrefused until the service acknowledges it. */
async function report(params: Record<string, string>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(
        `http://127.0.0.1:${port}/api/event?${new URLSearchParams({ clientId, ...params })}`,
      );
      if (response.ok) return attempt;
      if (response.status < 500) throw new Error(`refused: ${response.status} ${await response.text()}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("refused")) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function playCall(i: number): Promise<number> {
  const uniqueid = `1700000000.${i}`;
  let attempts = await report({ type: "in", uniqueid, phone: `+7900${String(1000000 + i)}`, code: "101" });
  attempts += await report({
    type: "hangup",
    uniqueid,
    phone: `+7900${String(1000000 + i)}`,
    code: "101",
    status: "ANSWER",
    direct: "in",
    duration: "42",
  });
  return attempts;
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  clientId = account.clientId;
  accountId = account.id;
  await mapExtensions(account.id, { 3: "101" });
  port = await freePort();
  await startService();
}, 60_000);

afterAll(async () => {
  service?.kill("SIGKILL");
  await crm.close();
});

describe("the service killed mid-burst", () => {
  it("delivers every call after a restart: nothing lost, in order per call, each call uploaded once", async () => {
    crm.setLatency(20, "/api/v5/telephony");
    const burst = Promise.all(Array.from({ length: CALLS }, (_, i) => playCall(i)));
    // Events, not calls: every call's first event can be stored before the first look.
    const stored = () => db().callEvent.count({ where: { accountId } });
    for (let waited = 0; (await stored()) < CALLS / 2 && waited < 20_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const storedAtKill = await stored();
    await killService();
    expect(storedAtKill).toBeGreaterThan(0);
    expect(storedAtKill).toBeLessThan(2 * CALLS);
    await startService();
    const attempts = await burst;
    expect(attempts.some((n) => n > 2)).toBe(true);

    const ids = Array.from({ length: CALLS }, (_, i) => `1700000000.${i}`);
    await until(
      () => new Set(crm.state.calls.map((c) => c.call.externalId)).size,
      (uploaded) => uploaded >= CALLS,
      60_000,
      200,
    );

    expect(await db().call.count({ where: { accountId } })).toBe(CALLS);
    expect(await db().delivery.count({ where: { accountId, state: { not: "SENT" } } })).toBe(0);
    expect(crm.state.calls.map((c) => c.call.externalId).sort()).toEqual([...ids].sort());
    const uploadsOf = new Map<string, number>();
    for (const request of crm.requests.filter((r) => r.path === "/api/v5/telephony/calls/upload" && r.status === 200)) {
      for (const call of JSON.parse(request.form.calls!) as { externalId: string }[])
        uploadsOf.set(call.externalId, (uploadsOf.get(call.externalId) ?? 0) + 1);
    }
    let repeatedRequests = [...uploadsOf.values()].filter((n) => n > 1).length;

    for (const id of ids) {
      const types = crm.state.callEvents
        .filter((e) => e.event.callExternalId === id)
        .map((e) => e.event.type as string);
      expect(types.length, id).toBeGreaterThanOrEqual(2);
      // A request the CRM answered just before the kill, whose outcome the service had not yet stored, is sent again.
      const distinct = types.filter((type, k) => type !== types[k - 1]);
      expect(distinct, id).toEqual(["in", "hangup"]);
      if (types.length > 2) repeatedRequests += types.length - 2;
    }
    expect(repeatedRequests).toBeLessThanOrEqual(WORKER_SLOTS);
  }, 120_000);
});
