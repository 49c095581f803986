import { afterEach, describe, expect, it, vi } from "vitest";

const TOKEN = "unit-metrics-token-0123456789";

/** A fresh copy of the module (and of the configuration it reads once) under the given settings. */
async function metricsWith(settings: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(settings)) vi.stubEnv(name, value);
  delete (globalThis as Record<symbol, unknown>)[Symbol.for("asterisk-retailcrm-bridge.metrics")];
  return import("./index");
}

const scrape = (authorization?: string) =>
  new Request("http://127.0.0.1/api/metrics", { headers: authorization ? { authorization } : {} });

afterEach(() => vi.unstubAllEnvs());

describe("GET /api/metrics", () => {
  it("is off (404) without METRICS_TOKEN", async () => {
    const { metricsAnswer } = await metricsWith({ METRICS_TOKEN: undefined });
    expect((await metricsAnswer(scrape(`Bearer ${TOKEN}`))).status).toBe(404);
  });

  it("wants the bearer token, and serves the Prometheus text format with it", async () => {
    const { metricsAnswer, countHttp } = await metricsWith({ METRICS_TOKEN: TOKEN });
    for (const wrong of [undefined, TOKEN, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer ${TOKEN.slice(1)}`]) {
      const refused = await metricsAnswer(scrape(wrong));
      expect(refused.status, String(wrong)).toBe(401);
      expect(await refused.text()).not.toContain("bridge_");
    }
    countHttp("/api/event", "GET", 200, 0.004);
    expect((await metricsAnswer(scrape(`bearer ${TOKEN}`))).status).toBe(200);
    const answer = await metricsAnswer(scrape(`Bearer ${TOKEN}`));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("text/plain");
    const text = await answer.text();
    expect(text).toContain('bridge_http_requests_total{route="/api/event",method="GET",status="200"} 1');
    expect(text).toContain('bridge_http_request_duration_seconds_bucket{le="0.005",route="/api/event",method="GET"} 1');
    expect(text).toContain("bridge_process_resident_memory_bytes");
  });
});

describe("the account label", () => {
  it("names the first accounts by their CRM's host and the rest «other»", async () => {
    const { accountLabel } = await metricsWith({ METRICS_TOKEN: TOKEN, METRICS_ACCOUNT_LABELS: "2" });
    expect(accountLabel("https://a.retailcrm.ru/")).toBe("a.retailcrm.ru");
    expect(accountLabel("https://b.retailcrm.ru")).toBe("b.retailcrm.ru");
    expect(accountLabel("https://c.retailcrm.ru")).toBe("other");
    expect(accountLabel("https://a.retailcrm.ru/api/v5")).toBe("a.retailcrm.ru");
    // An address typed at sign-in is no account: it never takes a place.
    expect(accountLabel(undefined)).toBe("unregistered");
  });

  it("is one value for all when the operator turns it off", async () => {
    const { accountLabel } = await metricsWith({ METRICS_TOKEN: TOKEN, METRICS_ACCOUNT_LABELS: "0" });
    expect(accountLabel("https://a.retailcrm.ru")).toBe("all");
  });
});
