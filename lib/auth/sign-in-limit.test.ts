import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { dbPool } from "@/lib/db/client";
import { PEER_HEADER } from "@/lib/security/source-address";
import { authOptions } from "./options";

let crm: RetailCrmSim;
let otherCrm: RetailCrmSim;

type Authorize = (
  credentials: Record<string, string>,
  request: { headers: Record<string, string> },
) => Promise<unknown>;
const authorize: Authorize = (credentials, request) =>
  (authOptions().providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize(
    credentials,
    request,
  );

const from = (address: string) => ({ headers: { [PEER_HEADER]: address } });
const keyChecks = (sim: RetailCrmSim) => sim.requests.filter((r) => r.path === "/api/credentials").length;

async function outcome(crmUrl: string, apiKey: string, address: string): Promise<"in" | "wrong" | "throttled"> {
  try {
    await authorize({ crmUrl, apiKey }, from(address));
    return "in";
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith("Слишком много попыток входа: попробуйте снова через ")) return "throttled";
    expect(message).toBe("Неверный API ключ: CRM его не приняла");
    return "wrong";
  }
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  otherCrm = await createRetailCrmSim();
  seedDemo(crm);
  seedDemo(otherCrm);
});
afterAll(async () => {
  await crm.close();
  await otherCrm.close();
});
beforeEach(async () => {
  await dbPool().query(`DELETE FROM "rate_limit_buckets" WHERE "key" LIKE 'sign-in:%'`);
  crm.clearRequests();
  otherCrm.clearRequests();
});

describe("sign-in throttle", () => {
  it("60 wrong keys from one address: 10 are checked against the CRM, the rest are refused unasked", async () => {
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await outcome(crm.url, `wrong-key-${i}`, "203.0.113.7"));
    expect(results.filter((r) => r === "wrong")).toHaveLength(10);
    expect(results.slice(10).every((r) => r === "throttled")).toBe(true);
    expect(keyChecks(crm)).toBe(10);
    // The right key from that address waits too; another address is not held up by it.
    expect(await outcome(crm.url, DEMO.apiKey, "203.0.113.7")).toBe("throttled");
    expect(await outcome(crm.url, DEMO.apiKey, "203.0.113.8")).toBe("in");
  });

  it("wrong keys against one CRM from many addresses: 20 are checked, then that CRM is shielded", async () => {
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await outcome(crm.url, `wrong-key-${i}`, `198.51.100.${i}`));
    expect(results.filter((r) => r === "wrong")).toHaveLength(20);
    expect(keyChecks(crm)).toBe(20);
    // Another CRM's admins sign in as before.
    expect(await outcome(otherCrm.url, DEMO.apiKey, "198.51.100.200")).toBe("in");
  });

  it("counts one CRM however its address is spelt: scheme, case, path, port's zeros", async () => {
    const { host, port } = new URL(crm.url);
    const spellings = [
      crm.url,
      `HTTP://${host}/`,
      `${host}/orders/?page=2`,
      `https://${host}`,
      `http://${host}/api/v5/`,
      `http://127.0.0.1:00${port}`,
    ];
    let checked = 0;
    for (let i = 0; i < 60; i++)
      try {
        await authorize(
          { crmUrl: spellings[i % spellings.length]!, apiKey: `wrong-key-${i}` },
          from(`198.51.100.${i}`),
        );
      } catch (error) {
        if (!(error as Error).message.startsWith("Слишком много попыток входа")) checked++;
      }
    expect(checked).toBe(20);
  });

  it("a header the client wrote is not its address", async () => {
    for (let i = 0; i < 12; i++)
      await authorize(
        { crmUrl: crm.url, apiKey: `wrong-${i}` },
        { headers: { [PEER_HEADER]: "203.0.113.9", "x-forwarded-for": `192.0.2.${i}` } },
      ).catch(() => undefined);
    expect(keyChecks(crm)).toBe(10);
  });

  it("sign-ins that succeed do not count: an office signs in all day from one address", async () => {
    for (let i = 0; i < 30; i++) expect(await outcome(crm.url, DEMO.apiKey, "203.0.113.10")).toBe("in");
    for (let i = 0; i < 10; i++) expect(await outcome(crm.url, `typo-${i}`, "203.0.113.10")).toBe("wrong");
    expect(await outcome(crm.url, "typo-10", "203.0.113.10")).toBe("throttled");
  });
});
