import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "@/lib/db/client";
import { PEER_HEADER } from "@/lib/security/source-address";

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

describe("wrong tokens", () => {
  const from = (address: string, token: string) =>
    new Request("http://127.0.0.1/api/metrics", {
      headers: { authorization: `Bearer ${token}`, [PEER_HEADER]: address },
    });

  it("are throttled per source: 10, then 429 for any token from it, while others are served", async () => {
    const { metricsAnswer } = await metricsWith({ METRICS_TOKEN: TOKEN });
    const statuses = [];
    for (let i = 0; i < 15; i++) statuses.push((await metricsAnswer(from("203.0.113.5", `wrong-token-${i}`))).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(5).fill(429)]);
    // The right token from that source waits too, so that a lucky guess cannot be told apart.
    const held = await metricsAnswer(from("203.0.113.5", TOKEN));
    expect([held.status, await held.json()]).toEqual([
      429,
      { success: false, errorMsg: expect.stringMatching(/^too many wrong tokens from this address; retry in \d+ s$/) },
    ]);
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await metricsAnswer(from("203.0.113.6", TOKEN))).status).toBe(200);
  });
});

describe("the account label", () => {
  /** A stored account connected at `since`, its module on or off in the CRM, with `queued` CRM requests queued since `queuedSince`. */
  async function account(since: string, { active = true, queued = 0, queuedSince = since } = {}) {
    const created = await createTestAccount();
    await db().account.update({ where: { id: created.id }, data: { createdAt: new Date(since), active } });
    for (let i = 0; i < queued; i++) {
      const event = await db().callEvent.create({
        data: { accountId: created.id, uniqueid: `1700000000.${i}`, type: "IN", payload: {} },
      });
      await db().delivery.create({
        data: { accountId: created.id, eventId: event.id, kind: "CALL_EVENT", createdAt: new Date(queuedSince) },
      });
    }
    return new URL(created.crmUrl).host;
  }

  const series = (text: string, metric: string) =>
    Object.fromEntries(
      [...text.matchAll(new RegExp(`^${metric}\\{account="([^"]+)"[^}]*\\} (\\S+)$`, "gm"))].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    );

  it("names the accounts connected longest ago, whoever talks or lags first after a start", async () => {
    // An attacker connected CRMs of theirs later, makes them answer first after a restart and keeps
    // their requests queued longest. The oldest account is switched off in the CRM.
    const off = await account("2025-01-01T00:00:00Z", { active: false });
    const real = [
      await account("2025-06-01T00:00:00Z", { queued: 1, queuedSince: "2026-12-05T11:00:00Z" }),
      await account("2025-07-01T00:00:00Z", { queued: 2, queuedSince: "2026-12-05T11:30:00Z" }),
    ];
    const attacker = [];
    for (let i = 0; i < 3; i++)
      attacker.push(
        await account(`2026-12-05T0${i}:00:00Z`, { queued: 3, queuedSince: `2026-12-0${i + 1}T00:00:00Z` }),
      );
    const { countCrmAnswer, metricsAnswer } = await metricsWith({ METRICS_TOKEN: TOKEN, METRICS_ACCOUNT_LABELS: "2" });
    for (const host of [...attacker, off]) for (let i = 0; i < 5; i++) countCrmAnswer(`http://${host}/`, 200);
    for (const host of real) countCrmAnswer(`https://${host}/`, 200);
    // An address typed at sign-in is no account: it never takes a place.
    countCrmAnswer(undefined, 401);

    const text = await (await metricsAnswer(scrape(`Bearer ${TOKEN}`))).text();
    expect(series(text, "bridge_crm_answers_total")).toEqual({
      [real[0]!]: 1,
      [real[1]!]: 1,
      other: 20,
      unregistered: 1,
    });
    expect(series(text, "bridge_delivery_queued")).toEqual({ [real[0]!]: 1, [real[1]!]: 2, other: 9 });
    expect(Object.keys(series(text, "bridge_delivery_oldest_queued_seconds")).sort()).toEqual(
      [real[0]!, real[1]!, "other"].sort(),
    );
  });

  it("is one value for all when the operator turns it off", async () => {
    const host = await account("2025-01-01T00:00:00Z");
    const { countCrmAnswer, metricsAnswer } = await metricsWith({ METRICS_TOKEN: TOKEN, METRICS_ACCOUNT_LABELS: "0" });
    countCrmAnswer(`https://${host}/`, 200);
    const text = await (await metricsAnswer(scrape(`Bearer ${TOKEN}`))).text();
    expect(series(text, "bridge_crm_answers_total")).toEqual({ all: 1 });
  });
});
