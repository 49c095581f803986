import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { RetailCrmClient } from "./client";
import { RetailCrmError } from "./errors";
import type { CallEventBody } from "./telephony";

let sim: RetailCrmSim;
const client = (apiKey: string = DEMO.apiKey, timeoutMs = 1_000) =>
  new RetailCrmClient({ baseUrl: `${sim.url}/`, apiKey, allowPrivate: true, timeoutMs });

async function failure(promise: Promise<unknown>): Promise<RetailCrmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RetailCrmError);
  return error as RetailCrmError;
}

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.setOutage("none");
  sim.setAccountExists(true);
  sim.setLatency(0);
  sim.clearRequests();
});

describe("RetailCrmClient against the simulator", () => {
  it("reads credentials with the key in X-API-KEY from the unversioned path", async () => {
    const credentials = await client().credentials();
    expect(credentials.scopes).toEqual(DEMO.key.scopes);
    const [request] = sim.requests;
    expect(request?.path).toBe("/api/credentials");
    expect(request?.headers["x-api-key"]).toBe(DEMO.apiKey);
  });

  it("reads every page of users", async () => {
    sim.seedUsers(
      Array.from({ length: 130 }, (_, i) => ({
        id: 1000 + i,
        email: `u${i}@x.ru`,
        active: true,
        status: "free" as const,
        online: true,
        isManager: true,
        isAdmin: false,
      })),
    );
    const users = await client().allUsers();
    expect(users.length).toBe(DEMO.users.length + 130);
    expect(sim.requests.map((r) => r.query.page)).toEqual(["1", "2"]);
  });

  it("reads the account's time zone from its settings; a zone the runtime does not know counts as none", async () => {
    sim.state.timezone = "Asia/Vladivostok";
    expect((await client().settings()).settings.timezone).toBe("Asia/Vladivostok");
    expect(sim.requests.at(-1)?.path).toBe("/api/v5/settings");
    sim.state.timezone = "Mars/Olympus";
    expect((await client().settings()).settings.timezone).toBeNull();
    sim.state.timezone = "Europe/Moscow";
  });

  it("sends the module as one form field holding a JSON string", async () => {
    await client().editIntegrationModule("probe-1", {
      code: "probe-1",
      integrationCode: "probe",
      name: "Probe",
      clientId: "c".repeat(64),
      baseUrl: "https://bridge.example.com",
      logo: "https://bridge.example.com/logo.svg",
      integrations: {
        telephony: { makeCallUrl: "https://bridge.example.com/call", additionalCodes: [{ userId: 3, code: "02" }] },
      },
    });
    const request = sim.requests.at(-1)!;
    expect(request.method).toBe("POST");
    expect(JSON.parse(request.form.integrationModule!).code).toBe("probe-1");
    expect(sim.state.modules.get("probe-1")).toBeDefined();
  });

  it("keeps the CRM's errorMsg and errors on a validation failure", async () => {
    const error = await failure(
      client().callEvent({ phone: "+79001234567", type: "ringing" } as unknown as CallEventBody),
    );
    expect(error.kind).toBe("validation");
    expect(error.status).toBe(400);
    expect(error.message).toBeTruthy();
    expect(error.retryable).toBe(false);
  });

  it("classifies a wrong key, a missing account and a forbidden method", async () => {
    expect((await failure(client("nope").credentials())).kind).toBe("wrong-key");
    sim.addKey({ key: "users-only", scopes: ["user_read"] });
    expect((await failure(client("users-only").telephonyManager("79001234567"))).kind).toBe("access-denied");
    sim.setAccountExists(false);
    expect((await failure(client().credentials())).kind).toBe("account-missing");
  });

  it("backs off and retries when the CRM says its rate limit is exceeded", async () => {
    sim.failNext(2, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
    expect((await client().credentials()).scopes).toEqual(DEMO.key.scopes);
    expect(sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    const burst = await Promise.all(Array.from({ length: 15 }, () => client().credentials()));
    expect(burst).toHaveLength(15);
  });

  it("treats a lasting 503, 5xx pages, resets and silence as retryable failures", async () => {
    sim.failNext(6, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
    const limited = await failure(client().credentials());
    expect([limited.kind, limited.retryable]).toEqual(["rate-limited", true]);

    sim.setOutage("http502");
    expect((await failure(client().credentials())).kind).toBe("server");
    sim.setOutage("reset");
    expect((await failure(client().credentials())).kind).toBe("network");
    sim.setOutage("hang");
    const started = Date.now();
    const timeout = await failure(client(DEMO.apiKey, 300).credentials());
    expect(timeout.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses the simulator's loopback address unless private networks are allowed", async () => {
    const guarded = new RetailCrmClient({ baseUrl: sim.url, apiKey: DEMO.apiKey, allowPrivate: false });
    expect((await failure(guarded.credentials())).kind).toBe("blocked-address");
    expect(sim.requests).toHaveLength(0);
  });
});
