// npm run worker: delivery and the AMI event connections in a process of their own, as a
// deployment with DELIVERY_CONCURRENCY=0 on its web processes runs them (and npm start, for the
// AMI event connections, beside its web process).
import { spawn, type ChildProcess } from "node:child_process";
import { get as httpGet } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { freePort } from "@/e2e/setup/free-port";
import { until } from "@/e2e/setup/until";
import { connectAccount } from "@/lib/accounts";
import { ingestCallEvent } from "@/lib/calls";
import { PEER_HEADER } from "@/lib/security/source-address";

let crm: RetailCrmSim;
let accountId: string;

function startWorker(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  accountId = (await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey })).id;
});
afterAll(() => crm.close());

describe("npm run worker", () => {
  it("delivers what the web processes stored, and stops cleanly on SIGTERM", async () => {
    const worker = startWorker({ ...process.env, LOG_LEVEL: "info", DELIVERY_CONCURRENCY: "2" });
    try {
      await until(
        worker.output,
        (text) => text.includes("worker started: delivery, alerts, AMI event connections, recordings"),
        30_000,
      );
      expect(worker.output()).toContain('"concurrency":2');
      await ingestCallEvent(accountId, {
        clientId: "x",
        type: "in",
        uniqueid: "1910000000.1",
        phone: "+79001234567",
        code: "101",
      });
      const delivered = await until(
        () => crm.state.callEvents.filter((e) => e.event.callExternalId === "1910000000.1").length,
        (count) => count > 0,
        15_000,
      );
      expect(delivered).toBe(1);
    } finally {
      worker.child.kill("SIGTERM");
    }
    expect(await worker.exited).toBe(0);
  });

  it("with DELIVERY_CONCURRENCY=0 holds the AMI event connections only", async () => {
    const worker = startWorker({ ...process.env, LOG_LEVEL: "info", DELIVERY_CONCURRENCY: "0" });
    try {
      await until(worker.output, (text) => text.includes("worker started: AMI event connections, recordings"), 30_000);
      await ingestCallEvent(accountId, {
        clientId: "x",
        type: "in",
        uniqueid: "1910000000.2",
        phone: "+79001234567",
        code: "101",
      });
      // A beat of the holders has gone by; nothing was delivered.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(crm.state.callEvents.filter((e) => e.event.callExternalId === "1910000000.2")).toHaveLength(0);
    } finally {
      worker.child.kill("SIGTERM");
    }
    expect(await worker.exited).toBe(0);
  });

  it("serves its metrics on METRICS_PORT and throttles wrong tokens per source address there", async () => {
    const token = "worker-metrics-token-0123456789";
    const port = await freePort();
    const worker = startWorker({ ...process.env, LOG_LEVEL: "info", METRICS_PORT: String(port), METRICS_TOKEN: token });
    try {
      await until(worker.output, (text) => text.includes("worker metrics listening"), 30_000);
      // From two loopback addresses: the socket's, whatever the request says, is the source.
      const scrape = (from: string, bearer: string) =>
        new Promise<number>((resolve, reject) =>
          httpGet(
            {
              host: "127.0.0.1",
              port,
              path: "/api/metrics",
              localAddress: from,
              headers: { authorization: `Bearer ${bearer}`, [PEER_HEADER]: "198.51.100.1" },
            },
            (reply) => resolve(reply.resume().statusCode!),
          ).on("error", reject),
        );
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push(await scrape("127.0.0.1", `wrong-${i}`));
      expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
      expect(await scrape("127.0.0.1", token)).toBe(429);
      expect(await scrape("127.0.0.2", token)).toBe(200);
    } finally {
      worker.child.kill("SIGTERM");
    }
    expect(await worker.exited).toBe(0);
  });

  it("refuses to start without DATABASE_URL, naming it", async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const worker = startWorker(env);
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain("DATABASE_URL is required");
  });
});
