import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, seedDemo, type RetailCrmSim } from "./index";
import { api } from "./test-utils";

describe("retailCRM sim: latency, scripted failures and outages", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    seedDemo(sim);
  });
  afterAll(() => sim.close());

  const timed = async (path: string) => {
    const started = performance.now();
    const reply = await api(sim, "GET", path, { key: "demo-key", query: { phone: "1" } });
    return { reply, ms: performance.now() - started };
  };

  it("delays all answers or only those under a path prefix", async () => {
    sim.setLatency(150, "/api/v5/telephony/");
    expect((await timed("/api/v5/telephony/manager")).ms).toBeGreaterThanOrEqual(140);
    expect((await timed("/api/credentials")).ms).toBeLessThan(100);
    sim.setLatency(0, "/api/v5/telephony/");
    sim.setLatency(120);
    expect((await timed("/api/credentials")).ms).toBeGreaterThanOrEqual(110);
    sim.setLatency(0);
    expect((await timed("/api/credentials")).ms).toBeLessThan(100);
  });

  it("failNext answers the next N matching requests with the given reply", async () => {
    sim.failNext(2, {
      status: 503,
      body: { success: false, errorMsg: "Service temporary unavailable" },
      pathPrefix: "/api/v5/users",
    });
    expect((await api(sim, "GET", "/api/credentials", { key: "demo-key" })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const reply = await api(sim, "GET", "/api/v5/users", { key: "demo-key" });
      expect(reply.status).toBe(503);
      expect(reply.json).toEqual({ success: false, errorMsg: "Service temporary unavailable" });
    }
    expect((await api(sim, "GET", "/api/v5/users", { key: "demo-key" })).status).toBe(200);
  });

  it("failNext without body sends a JSON error named after the status; a string body is sent as HTML", async () => {
    sim.failNext(1, { status: 500 });
    expect((await api(sim, "GET", "/api/credentials")).json).toEqual({
      success: false,
      errorMsg: "Internal Server Error",
    });
    sim.failNext(1, { status: 504, body: "<html>gateway timeout</html>" });
    const html = await api(sim, "GET", "/api/credentials");
    expect(html.status).toBe(504);
    expect(html.contentType).toMatch(/^text\/html/);
    expect(html.text).toBe("<html>gateway timeout</html>");
  });

  it("http502 outage answers an nginx HTML page", async () => {
    sim.setOutage("http502");
    const reply = await api(sim, "GET", "/api/credentials", { key: "demo-key" });
    sim.setOutage("none");
    expect(reply.status).toBe(502);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.text).toContain("502 Bad Gateway");
    expect(sim.requests.at(-1)?.status).toBe(502);
  });

  it("reset outage destroys the connection", async () => {
    sim.setOutage("reset");
    const outcome = await api(sim, "GET", "/api/credentials", { key: "demo-key" }).then(
      () => "answered",
      () => "failed",
    );
    sim.setOutage("none");
    expect(outcome).toBe("failed");
    expect(sim.requests.at(-1)).toMatchObject({ path: "/api/credentials", status: 0 });
    expect((await api(sim, "GET", "/api/credentials", { key: "demo-key" })).status).toBe(200);
  });

  it("hang outage never answers until the mode changes", async () => {
    sim.setOutage("hang");
    const pending = api(sim, "GET", "/api/credentials", { key: "demo-key" });
    const early = await Promise.race([
      pending.then(() => "answered"),
      new Promise((r) => setTimeout(() => r("waiting"), 300)),
    ]);
    expect(early).toBe("waiting");
    expect(sim.requests.at(-1)?.status).toBe(0);
    sim.setOutage("none");
    expect((await pending).status).toBe(200);
  });

  it("close() ends hung requests", async () => {
    const other = await createRetailCrmSim();
    other.setOutage("hang");
    const failed = new Promise<string>((resolve) => {
      const req = request(`${other.url}/api/credentials`, () => resolve("answered"));
      req.on("error", () => resolve("failed"));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await other.close();
    expect(await failed).toBe("failed");
  });
});
