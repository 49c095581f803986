import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, seedDemo, type RetailCrmSim } from "./index";
import { api } from "./test-utils";

describe("retailCRM sim: service methods and auth", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim();
    seedDemo(sim);
    sim.addKey({
      key: "narrow",
      scopes: ["customer_read"],
      siteAccess: "access_selective",
      sitesAvailable: ["demo-shop"],
    });
  });
  afterAll(() => sim.close());

  it.each(["header", "HEADER", "query"] as const)("accepts the key via %s on GET", async (keyVia) => {
    const reply = await api(sim, "GET", "/api/credentials", { key: "demo-key", keyVia });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ success: true, siteAccess: "access_full" });
    expect(reply.json.scopes).toContain("telephony_write");
  });

  it("accepts the key in the form body of a POST", async () => {
    const reply = await api(sim, "POST", "/api/v5/users/3/status", {
      key: "demo-key",
      keyVia: "form",
      form: { status: "busy" },
    });
    // demo-key lacks user_write: reaching the scope check proves the form key was read.
    expect(reply.json).toEqual({ success: false, errorMsg: "Access denied." });
    expect(reply.status).toBe(403);
  });

  it("rejects a missing key with the exact text", async () => {
    const reply = await api(sim, "GET", "/api/v5/users");
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({ success: false, errorMsg: '"apiKey" is missing.' });
  });

  it("rejects an unknown key with the exact text", async () => {
    const reply = await api(sim, "GET", "/api/credentials", { key: "nope", keyVia: "query" });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({ success: false, errorMsg: 'Wrong "apiKey" value.' });
  });

  it("denies a method outside the key's scopes", async () => {
    expect((await api(sim, "GET", "/api/v5/customers", { key: "narrow" })).status).toBe(200);
    const reply = await api(sim, "GET", "/api/v5/users", { key: "narrow" });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual({ success: false, errorMsg: "Access denied." });
  });

  it("reports selective site access in credentials", async () => {
    const reply = await api(sim, "GET", "/api/credentials", { key: "narrow" });
    expect(reply.json).toEqual({
      success: true,
      scopes: ["customer_read"],
      credentials: [],
      siteAccess: "access_selective",
      sitesAvailable: ["demo-shop"],
    });
    const full = await api(sim, "GET", "/api/credentials", { key: "demo-key" });
    expect(full.json.sitesAvailable).toEqual(["demo-shop", "asterisk-api-alice-trade"]);
    expect(full.json.credentials).toContain("/api/telephony/manager");
  });

  it("serves unversioned api-versions and keyless system-info", async () => {
    expect((await api(sim, "GET", "/api/api-versions", { key: "demo-key" })).json).toEqual({
      success: true,
      versions: ["3.0", "4.0", "5.0"],
    });
    expect((await api(sim, "GET", "/api/api-versions")).json.errorMsg).toBe('"apiKey" is missing.');
    const info = await api(sim, "GET", "/api/system-info");
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ success: true, publicUrl: sim.url, technicalUrl: sim.url });
  });

  it("answers 404 API method not found for versioned credentials and unknown paths", async () => {
    for (const path of ["/api/v5/credentials", "/api/v5/telephony/call-event", "/nothing"]) {
      const reply = await api(sim, "GET", path, { key: "demo-key" });
      expect(reply.status, path).toBe(404);
      expect(reply.json).toEqual({ success: false, errorMsg: "API method not found" });
    }
  });

  it("answers 405 Method Not Allowed for a wrong method on a known path", async () => {
    const reply = await api(sim, "POST", "/api/v5/users", { key: "demo-key" });
    expect(reply.status).toBe(405);
    expect(reply.json).toEqual({ success: false, errorMsg: "Method Not Allowed" });
  });

  it("records every request with its reply, including rejected ones", async () => {
    sim.clearRequests();
    await api(sim, "GET", "/api/v5/users", { key: "nope", query: { limit: "20", "filter[groups][]": "manager" } });
    await api(sim, "POST", "/api/v5/users/3/status", { key: "demo-key", keyVia: "form", form: { status: "busy" } });
    expect(sim.requests).toHaveLength(2);
    const [first, second] = sim.requests;
    expect(first).toMatchObject({
      method: "GET",
      path: "/api/v5/users",
      query: { limit: "20", "filter[groups][]": "manager" },
      apiKey: "nope",
      status: 403,
      response: { success: false, errorMsg: 'Wrong "apiKey" value.' },
    });
    expect(first?.headers["x-api-key"]).toBe("nope");
    expect(second).toMatchObject({
      method: "POST",
      form: { status: "busy", apiKey: "demo-key" },
      apiKey: "demo-key",
      status: 403,
    });
  });
});

describe("retailCRM sim: options for auth status and a missing account", () => {
  it("uses authErrorStatus for every auth error", async () => {
    const sim = await createRetailCrmSim({ authErrorStatus: 401 });
    try {
      sim.addKey({ key: "k", scopes: [] });
      expect((await api(sim, "GET", "/api/credentials")).status).toBe(401);
      expect((await api(sim, "GET", "/api/credentials", { key: "x" })).status).toBe(401);
      expect((await api(sim, "GET", "/api/v5/users", { key: "k" })).status).toBe(401);
      expect((await api(sim, "GET", "/api/credentials", { key: "k" })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it("json404 mode: every request gets 404 Account does not exist.", async () => {
    const sim = await createRetailCrmSim();
    try {
      seedDemo(sim);
      sim.setAccountExists(false);
      for (const method of ["GET", "POST"] as const) {
        const reply = await api(sim, method, "/api/credentials", { key: "demo-key" });
        expect(reply.status).toBe(404);
        expect(reply.json).toEqual({ success: false, errorMsg: "Account does not exist." });
      }
      sim.setAccountExists(true);
      expect((await api(sim, "GET", "/api/credentials", { key: "demo-key" })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it("html405 mode: non-GET gets an nginx 405 page, GET still the JSON 404", async () => {
    const sim = await createRetailCrmSim({ accountMissing: "html405" });
    try {
      sim.setAccountExists(false);
      const post = await api(sim, "POST", "/api/v5/telephony/call/event", { form: { event: "{}" } });
      expect(post.status).toBe(405);
      expect(post.contentType).toMatch(/^text\/html/);
      expect(post.text).toContain("<center><h1>405 Not Allowed</h1></center>");
      const get = await api(sim, "GET", "/api/credentials");
      expect(get.status).toBe(404);
      expect(get.json.errorMsg).toBe("Account does not exist.");
    } finally {
      await sim.close();
    }
  });
});
