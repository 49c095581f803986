import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "./index";
import { RateLimiter } from "./rate-limit";
import { api, registerModule, TELEPHONY_KEY } from "./test-utils";

const burst = (sim: RetailCrmSim, n: number, path: string, key = "demo-key", query: Record<string, string> = {}) =>
  Promise.all(Array.from({ length: n }, () => api(sim, "GET", path, { key, query })));

describe("RateLimiter", () => {
  it("holds one second of tokens and refills continuously", () => {
    const limiter = new RateLimiter({ general: 10, telephony: 40 });
    const taken = Array.from({ length: 12 }, () => limiter.take("k", "general", 0));
    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(limiter.take("k", "general", 50)).toBe(false);
    expect(limiter.take("k", "general", 100)).toBe(true);
    expect(limiter.take("other", "general", 100)).toBe(true);
    expect(Array.from({ length: 41 }, () => limiter.take("k", "telephony", 100)).filter(Boolean)).toHaveLength(40);
  });
});

describe("retailCRM sim: rate limit (default 10/40 rps, 503)", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim();
    seedDemo(sim);
    sim.addKey({ key: "second", scopes: ["user_read"] });
    sim.addKey(TELEPHONY_KEY);
    expect((await registerModule(sim, "asterisk", "https://pbx.example.com")).status).toBe(201);
  });
  afterAll(() => sim.close());

  it("lets 10 of 15 parallel general requests through, 503 for the rest; other keys have their own bucket", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const replies = await burst(sim, 15, "/api/v5/users");
    const limited = replies.filter((r) => r.status === 503);
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited[0]?.json).toEqual({ success: false, errorMsg: "Rate limit exceeded" });
    expect(sim.requests.filter((r) => r.status === 503)).toHaveLength(limited.length);
    expect((await api(sim, "GET", "/api/v5/users", { key: "second" })).status).toBe(200);
  });

  it("allows 40 parallel telephony requests in a separate bucket", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await burst(sim, 12, "/api/v5/users");
    const replies = await burst(sim, 40, "/api/v5/telephony/manager", "demo-key", { phone: "89001234567" });
    expect(replies.map((r) => r.status)).toEqual(Array(40).fill(200));
    const more = await burst(sim, 20, "/api/v5/telephony/manager", "demo-key", { phone: "89001234567" });
    expect(more.some((r) => r.status === 503)).toBe(true);
  });

  it("does not limit requests without a valid key", async () => {
    const replies = await burst(sim, 15, "/api/v5/users", "unknown");
    expect(replies.map((r) => r.status)).toEqual(Array(15).fill(403));
  });
});

describe("retailCRM sim: rate limit options", () => {
  it("can answer 429 with custom rates", async () => {
    const sim = await createRetailCrmSim({ rateLimit: { general: 2, telephony: 40, status: 429 } });
    try {
      seedDemo(sim);
      const statuses = (await burst(sim, 4, "/api/credentials")).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429, 429]);
    } finally {
      await sim.close();
    }
  });

  it("counts tasks/{id}/edit in the general bucket: 503 beyond it", async () => {
    const sim = await createRetailCrmSim({ rateLimit: { general: 2, telephony: 40, status: 503 } });
    try {
      seedDemo(sim);
      sim.state.tasks.set(1, {
        id: 1,
        text: "x",
        performerId: 3,
        complete: false,
        createdAt: "",
        apiKey: "",
        edits: [],
      });
      const replies = await Promise.all(
        Array.from({ length: 4 }, () =>
          api(sim, "POST", "/api/v5/tasks/1/edit", { key: DEMO.apiKey, form: { task: '{"complete":true}' } }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 503, 503]);
      expect(replies.find((r) => r.status === 503)!.json).toEqual({ success: false, errorMsg: "Rate limit exceeded" });
    } finally {
      await sim.close();
    }
  });

  it("can be switched off", async () => {
    const sim = await createRetailCrmSim({ rateLimit: false });
    try {
      seedDemo(sim);
      expect((await burst(sim, 30, "/api/credentials")).every((r) => r.status === 200)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
