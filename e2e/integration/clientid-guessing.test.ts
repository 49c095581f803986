// Guessing clientIds: a source that sends many unknown ones is refused (429) on every endpoint
// that takes a clientId, while other sources, and so other accounts, go on as before. A source
// is the socket's peer (each client here connects from a loopback address of its own), or what
// a trusted proxy says it saw, never what a client writes in X-Forwarded-For.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { fetchFrom } from "@/e2e/setup/from-address";
import { serveRoutes } from "@/e2e/setup/route-server";
import { mapExtensions } from "@/e2e/setup/factories";
import * as accountRoute from "@/app/account/route";
import * as activity from "@/app/api/crm/activity/route";
import * as makeCall from "@/app/api/crm/make-call/route";
import * as userStatus from "@/app/api/crm/user-status/route";
import * as event from "@/app/api/event/route";
import * as manager from "@/app/api/manager/route";
import * as eventSh from "@/app/data/event.sh/route";
import { connectAccount } from "@/lib/accounts";

const PROXY = "127.0.0.9";
// Before anything reads the configuration: one proxy of ours stands in front of the service.
vi.hoisted(() => {
  process.env.TRUSTED_PROXIES = "127.0.0.9";
});

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;

const guess = () => randomBytes(32).toString("hex");

function managerFrom(socket: string, id: string, forwardedFor?: string) {
  return fetchFrom(socket)(
    `${app.url}/api/manager?${new URLSearchParams({ clientId: id, phone: "+79001234567", type: "text" })}`,
    { headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} },
  );
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  clientId = account.clientId;
  await mapExtensions(account.id, { 3: "101" });
  app = await serveRoutes({
    "/api/manager": manager,
    "/api/event": event,
    "/api/crm/make-call": makeCall,
    "/api/crm/user-status": userStatus,
    "/api/crm/activity": activity,
    "/account": accountRoute,
    "/data/event.sh": eventSh,
  });
});
afterAll(async () => {
  await app.close();
  await crm.close();
});

describe("guessing clientIds", () => {
  it("answers 401 to a few unknown clientIds, then 429 with Retry-After to the guessing source on every endpoint", async () => {
    const guesser = "127.0.0.66";
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await managerFrom(guesser, guess())).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);

    const refused = await managerFrom(guesser, guess());
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.text()).toBe(",");
    expect(refused.headers.get("x-bridge-error")).toMatch(/too many unknown clientIds/);

    // Even the right clientId is refused: a lucky guess must look like any other.
    expect((await managerFrom(guesser, clientId)).status).toBe(429);
    const form = new URLSearchParams({
      clientId,
      type: "in",
      uniqueid: "1.1",
      phone: "+79001234567",
      activity: '{"active":true,"freeze":false}',
    });
    for (const path of ["/api/event", "/api/crm/make-call", "/api/crm/user-status", "/api/crm/activity", "/account"]) {
      const response = await fetchFrom(guesser)(`${app.url}${path}`, {
        method: "POST",
        body: form,
        redirect: "manual",
      });
      expect(response.status, path).toBe(429);
      expect(((await response.json()) as { errorMsg: string }).errorMsg, path).toMatch(/too many unknown clientIds/);
    }
    expect((await fetchFrom(guesser)(`${app.url}/data/event.sh?clientId=${clientId}`)).status).toBe(429);
  });

  it("does not slow the account's own PBX or other sources meanwhile", async () => {
    const pbx = await managerFrom("127.0.0.5", clientId);
    expect(pbx.status).toBe(200);
    expect(await pbx.text()).toMatch(/,101$/);
    expect((await managerFrom("127.0.0.6", guess())).status).toBe(401);
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect((await managerFrom("127.0.0.5", clientId)).status).toBe(200);
    expect((performance.now() - started) / 20).toBeLessThan(200);
  });

  it("ignores X-Forwarded-For from a client: a guesser can neither pose as many sources nor get a PBX refused", async () => {
    const victim = "127.0.0.78";
    // Guesses that claim to come from the victim PBX count against their real source only.
    for (let i = 0; i < 40; i++) await managerFrom("127.0.0.77", guess(), victim);
    const pbx = await managerFrom(victim, clientId);
    expect(pbx.status).toBe(200);
    expect(await pbx.text()).toMatch(/,101$/);
    // Guesses that each claim another source are still one source's guesses.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await managerFrom("127.0.0.79", guess(), `198.51.100.${i}`)).status);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  });

  it("counts a source behind a trusted proxy by the address the proxy appended, not by what the client claimed", async () => {
    for (let i = 0; i < 31; i++) await managerFrom(PROXY, guess(), `10.9.${i}.1, 192.0.2.77`);
    expect((await managerFrom(PROXY, clientId, "192.0.2.77")).status).toBe(429);
    // Another client behind the same proxy is not slowed, nor is the proxy's address itself.
    expect((await managerFrom(PROXY, clientId, "192.0.2.78")).status).toBe(200);
    expect((await managerFrom(PROXY, clientId)).status).toBe(200);
  });
});
