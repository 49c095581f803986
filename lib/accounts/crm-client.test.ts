import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { encryptSecret } from "@/lib/crypto/secrets";
import { CRM_RATES } from "@/lib/retailcrm/rate-limit";
import { crmClient } from "./crm-client";

// A CRM stricter than the documented 40/s: it answers many requests 503, which the client retries.
let crm: RetailCrmSim;
const CRM_TELEPHONY_RATE = 20;

beforeAll(async () => {
  crm = await createRetailCrmSim({ rateLimit: { general: 10, telephony: CRM_TELEPHONY_RATE, status: 503 } });
  seedDemo(crm);
});
afterAll(() => crm.close());

/** The most requests the CRM saw within any one second. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe("the CRM client of an account and the shared rate limit", () => {
  it("takes a slot before every attempt, its own retries after 503 included", async () => {
    let slots = 0;
    const account = { id: randomUUID(), crmUrl: crm.url, apiKeyEnc: encryptSecret(DEMO.apiKey) };
    const client = crmClient(account, { onSlot: () => slots++ });
    crm.clearRequests();
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        client
          .callEvent({ phone: "+79001234567", type: "in", codes: ["101"], callExternalId: `rate-${i}` })
          .catch(() => undefined),
      ),
    );
    const sent = crm.requests.filter((r) => r.path === "/api/v5/telephony/call/event");
    const refused = sent.filter((r) => r.status === 503).length;
    expect(refused).toBeGreaterThan(0);
    expect(slots).toBe(sent.length);
    // The shared bucket's pace: its burst (a quarter second's worth), then 40/s for as long as
    // the backlog lasts. The CRM sees arrivals, which a busy event loop delays and bunches, so
    // the pace is judged over the whole run; the busiest second only has to be far from the 120
    // that an unlimited client would send at once.
    const times = sent.map((r) => r.at);
    const start = Math.min(...times);
    const seconds = (Math.max(...times) - start) / 1000;
    expect(seconds).toBeGreaterThan(2);
    expect((sent.length - CRM_RATES.telephony / 4) / seconds).toBeLessThanOrEqual(CRM_RATES.telephony * 1.05);
    expect(busiestSecond(times)).toBeLessThanOrEqual(CRM_RATES.telephony * 1.5);
  });
});
