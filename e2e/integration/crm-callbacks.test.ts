// The CRM's callbacks at the module, fired by the retailCRM simulator over real HTTP:
// marketplace config/register, accountUrl and the activity callback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, hmacToken, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as account from "@/app/account/route";
import * as activity from "@/app/api/crm/activity/route";
import * as config from "@/app/api/crm/config/route";
import * as register from "@/app/api/crm/register/route";
import * as userStatus from "@/app/api/crm/user-status/route";
import { db } from "@/lib/db/client";
import { isModuleEnabled, connectAccount } from "@/lib/accounts";

const secret = process.env.MARKETPLACE_SECRET!;
let sim: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
  app = await serveRoutes({
    "/api/crm/config": config,
    "/api/crm/register": register,
    "/api/crm/activity": activity,
    "/account": account,
    "/api/crm/user-status": userStatus,
  });
  process.env.PUBLIC_URL = app.url;
});
afterAll(async () => {
  await app.close();
  await sim.close();
});
beforeEach(() => sim.clearRequests());

async function connected() {
  const result = await sim.simpleConnect({
    configUrl: `${app.url}/api/crm/config`,
    secret,
    apiKey: DEMO.apiKey,
    systemUrl: sim.url,
  });
  expect(result.register?.status).toBe(200);
  return db().account.findUniqueOrThrow({ where: { crmUrl: `${sim.url}/` } });
}

describe("marketplace connection («Подключить»)", () => {
  it("answers the config with scopes and registerUrl, then registers the account with a valid token", async () => {
    const result = await sim.simpleConnect({
      configUrl: `${app.url}/api/crm/config`,
      secret,
      apiKey: DEMO.apiKey,
      systemUrl: sim.url,
    });
    expect(result.config.json).toEqual({
      success: true,
      scopes: [
        "user_read",
        "customer_read",
        "integration_read",
        "integration_write",
        "telephony_write",
        "telephony_read",
      ],
      registerUrl: `${app.url}/api/crm/register`,
    });
    const stored = await db().account.findUniqueOrThrow({ where: { crmUrl: `${sim.url}/` } });
    const accountUrl = sim.state.modules.get(stored.moduleCode)?.accountUrl;
    expect(accountUrl).toMatch(new RegExp(`^${app.url}/account\\?token=[A-Za-z0-9_-]{32}$`));
    expect(result.register?.json).toEqual({ success: true, accountUrl });
    expect(sim.state.modules.get(stored.moduleCode)).toMatchObject({ clientId: stored.clientId });
  });

  it("answers 401 to a bad token and changes nothing", async () => {
    const before = await db().account.count();
    const modules = sim.state.modules.size;
    const result = await sim.simpleConnect({
      configUrl: `${app.url}/api/crm/config`,
      secret,
      apiKey: DEMO.apiKey,
      systemUrl: sim.url,
      tokenOverride: hmacToken("other-secret", DEMO.apiKey),
    });
    expect(result.register?.status).toBe(401);
    expect(result.register?.json).toEqual({ success: false, errorMsg: "Invalid token" });
    expect(await db().account.count()).toBe(before);
    expect(sim.state.modules.size).toBe(modules);
    expect(sim.requests).toHaveLength(0);
  });

  it("answers 400 with the reason when the register field is missing or malformed", async () => {
    const missing = await fetch(`${app.url}/api/crm/register`, { method: "POST", body: new URLSearchParams({}) });
    expect([missing.status, await missing.json()]).toEqual([
      400,
      { success: false, errorMsg: "Parameter 'register' is missing" },
    ]);
    const broken = await fetch(`${app.url}/api/crm/register`, {
      method: "POST",
      body: new URLSearchParams({ register: "{" }),
    });
    expect(broken.status).toBe(400);
  });
});

describe("accountUrl («Перейти в личный кабинет»)", () => {
  const accountUrlOf = (moduleCode: string) => sim.state.modules.get(moduleCode)!.accountUrl!;
  const signedIn = (result: { status: number; headers: Record<string, string> }) =>
    result.status === 303 &&
    result.headers.location === `${app.url}/cabinet/phones` &&
    /^next-auth\.session-token=[^;]+;.*HttpOnly/i.test(result.headers["set-cookie"] ?? "");
  const post = (url: string, clientId: string) =>
    fetch(url, { method: "POST", body: new URLSearchParams({ clientId }), redirect: "manual" });

  it("starts a cabinet session with the link the CRM holds, once per link (POST form and query)", async () => {
    const stored = await connected();
    for (const method of ["POST", "GET"] as const) {
      const used = accountUrlOf(stored.moduleCode);
      const opened = await sim.openAccountUrl({ clientId: stored.clientId, moduleCode: stored.moduleCode, method });
      expect(signedIn(opened)).toBe(true);
      // The CRM was given the next link at once; the one just used signs nobody in again.
      expect(accountUrlOf(stored.moduleCode)).not.toBe(used);
      const replayed = await post(used, stored.clientId);
      expect(replayed.status).toBe(303);
      expect(replayed.headers.get("location")).toBe(`${app.url}/login?error=stale-link`);
      expect(replayed.headers.get("set-cookie")).toBeNull();
    }
  });

  it("signs nobody in with the clientId alone or a made-up token (no login CSRF)", async () => {
    const stored = await connected();
    for (const url of [
      `${app.url}/account`,
      `${app.url}/account?token=${"A".repeat(32)}`,
      `${app.url}/account?token=`,
    ]) {
      const response = await post(url, stored.clientId);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`${app.url}/login?error=stale-link`);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    // The link the CRM holds still works.
    expect(signedIn(await sim.openAccountUrl({ clientId: stored.clientId, moduleCode: stored.moduleCode }))).toBe(true);
  });

  it("lets only one of two clicks on the same link in", async () => {
    const stored = await connected();
    const url = accountUrlOf(stored.moduleCode);
    const [first, second] = await Promise.all([post(url, stored.clientId), post(url, stored.clientId)]);
    const locations = [first.headers.get("location"), second.headers.get("location")].sort();
    expect(locations).toEqual([`${app.url}/cabinet/phones`, `${app.url}/login?error=stale-link`]);
  });

  it("keeps the link valid when the CRM cannot be told the next one", async () => {
    const stored = await connected();
    const url = accountUrlOf(stored.moduleCode);
    sim.failNext(1, { status: 500, pathPrefix: "/api/v5/integration-modules" });
    expect((await post(url, stored.clientId)).headers.get("location")).toBe(`${app.url}/cabinet/phones`);
    expect(accountUrlOf(stored.moduleCode)).toBe(url);
    expect((await post(url, stored.clientId)).headers.get("location")).toBe(`${app.url}/cabinet/phones`);
    expect(accountUrlOf(stored.moduleCode)).not.toBe(url);
  });

  it("gives an account connected before links had tokens its first link, for the next click", async () => {
    const stored = await connected();
    await db().account.update({ where: { id: stored.id }, data: { cabinetTokenEnc: null } });
    const first = await post(`${app.url}/account`, stored.clientId);
    expect(first.headers.get("location")).toBe(`${app.url}/login?error=link-renewed`);
    expect(first.headers.get("set-cookie")).toBeNull();
    expect(accountUrlOf(stored.moduleCode)).toMatch(/\/account\?token=[A-Za-z0-9_-]{32}$/);
    expect(signedIn(await sim.openAccountUrl({ clientId: stored.clientId, moduleCode: stored.moduleCode }))).toBe(true);
  });

  it("sends an unknown clientId to the login page with a message and no session", async () => {
    const response = await post(`${app.url}/account`, "f".repeat(64));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${app.url}/login?error=unknown-client`);
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});

describe("activity callback", () => {
  it("stores active && !freeze and answers success", async () => {
    const stored = await connected();
    const off = await sim.fireActivity({ active: true, freeze: true, moduleCode: stored.moduleCode });
    expect([off.status, off.json]).toEqual([200, { success: true }]);
    expect(isModuleEnabled(await db().account.findUniqueOrThrow({ where: { id: stored.id } }))).toBe(false);
    await sim.fireActivity({ active: true, freeze: false, moduleCode: stored.moduleCode });
    expect(isModuleEnabled(await db().account.findUniqueOrThrow({ where: { id: stored.id } }))).toBe(true);
  });

  it("switches a module back on only on the CRM's own word, never on a clientId alone", async () => {
    const stored = await connected();
    const post = (activity: string) =>
      fetch(`${app.url}/api/crm/activity`, {
        method: "POST",
        body: new URLSearchParams({ clientId: stored.clientId, activity }),
      }).then(async (reply) => ({ status: reply.status, body: (await reply.json()) as unknown }));
    expect((await sim.fireActivity({ active: false, freeze: false, moduleCode: stored.moduleCode })).status).toBe(200);
    const off = await db().account.findUniqueOrThrow({ where: { id: stored.id } });
    expect([off.active, off.sessionEpoch]).toEqual([false, stored.sessionEpoch + 1]);

    // Anyone with the clientId: the CRM still has the module off, so it stays off.
    expect(await post('{"active":true,"freeze":false}')).toEqual({ status: 200, body: { success: true } });
    expect((await db().account.findUniqueOrThrow({ where: { id: stored.id } })).active).toBe(false);
    // Nor the other way round: a module the CRM has on is not switched off by a clientId alone.
    expect((await sim.fireActivity({ active: true, freeze: false, moduleCode: stored.moduleCode })).status).toBe(200);
    expect(await post('{"active":false,"freeze":true}')).toEqual({ status: 200, body: { success: true } });
    const on = await db().account.findUniqueOrThrow({ where: { id: stored.id } });
    // Switched on again, the sessions that ended stay ended: the epoch does not go back.
    expect([on.active, on.freeze, on.sessionEpoch]).toEqual([true, false, off.sessionEpoch]);
  });

  it("when the CRM cannot be asked, takes a switch-off as it comes and refuses a switch-on", async () => {
    const stored = await connected();
    sim.setOutage("http502");
    try {
      expect((await sim.fireActivity({ active: true, freeze: true, moduleCode: stored.moduleCode })).status).toBe(200);
      const frozen = await db().account.findUniqueOrThrow({ where: { id: stored.id } });
      expect([frozen.freeze, frozen.sessionEpoch]).toEqual([true, stored.sessionEpoch + 1]);
      const refused = await sim.fireActivity({ active: true, freeze: false, moduleCode: stored.moduleCode });
      expect(refused.status).toBe(403);
      expect((refused.json as { errorMsg: string }).errorMsg).toMatch(
        /^Parameter 'activity' is not confirmed: the CRM at .* could not confirm it/,
      );
      expect((await db().account.findUniqueOrThrow({ where: { id: stored.id } })).freeze).toBe(true);
    } finally {
      sim.setOutage("none");
    }
    expect((await sim.fireActivity({ active: true, freeze: false, moduleCode: stored.moduleCode })).status).toBe(200);
    expect(isModuleEnabled(await db().account.findUniqueOrThrow({ where: { id: stored.id } }))).toBe(true);
  });

  it("takes a new systemUrl both CRMs confirm and re-registers the module there", async () => {
    const stored = await connected();
    // The same CRM account at a second address (its technical URL): its key and module go with it.
    const moved = await createRetailCrmSim(undefined, sim);
    sim.state.systemUrls = { technicalUrl: moved.url };
    try {
      const result = await sim.fireActivity({
        active: true,
        freeze: false,
        systemUrl: moved.url,
        moduleCode: stored.moduleCode,
      });
      expect(result.status).toBe(200);
      const after = await db().account.findUniqueOrThrow({ where: { id: stored.id } });
      expect([after.crmUrl, after.crmUrlMoved, after.clientId]).toEqual([`${moved.url}/`, true, stored.clientId]);
      expect(moved.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /api/v5/integration-modules/${stored.moduleCode}`,
        `POST /api/v5/integration-modules/${stored.moduleCode}/edit`,
      ]);
    } finally {
      sim.state.systemUrls = {};
      await moved.close();
    }
  });

  it("refuses a move that only the CRM being left confirms: a CRM naming another company's address", async () => {
    // An attacker connected a CRM of their own, which names a victim's CRM as its address; the
    // victim's CRM (its own account, key and modules) has not connected to the service yet.
    const attacker = await connected();
    const victim = await createRetailCrmSim();
    seedDemo(victim);
    victim.addKey({ ...DEMO.key, key: "victim-key" });
    sim.state.systemUrls = { publicUrl: victim.url };
    try {
      const result = await sim.fireActivity({
        active: true,
        freeze: false,
        systemUrl: victim.url,
        moduleCode: attacker.moduleCode,
      });
      expect(result.status).toBe(403);
      expect((result.json as { errorMsg: string }).errorMsg).toMatch(
        new RegExp(`^Parameter 'systemUrl' is not confirmed: the CRM at ${victim.url}/ does not know this module`),
      );
      const after = await db().account.findUniqueOrThrow({ where: { id: attacker.id } });
      expect([after.crmUrl, after.crmUrlMoved]).toEqual([`${sim.url}/`, false]);

      // The victim's sign-in makes an account of its own: nothing of the attacker's identity.
      const own = await connectAccount({ crmUrl: victim.url, apiKey: "victim-key" });
      expect(own.id).not.toBe(attacker.id);
      expect(own.clientId).not.toBe(attacker.clientId);
      expect(victim.state.modules.get(own.moduleCode)?.clientId).toBe(own.clientId);
    } finally {
      sim.state.systemUrls = {};
      await victim.close();
    }
  });

  it("gives the first sign-in at an address reached by a move a new clientId and cabinet link", async () => {
    const stored = await connected();
    const moved = await createRetailCrmSim(undefined, sim);
    sim.state.systemUrls = { publicUrl: moved.url };
    try {
      const move = { active: true, freeze: false, systemUrl: moved.url, moduleCode: stored.moduleCode };
      expect((await sim.fireActivity(move)).status).toBe(200);
      const signedIn = await connectAccount({ crmUrl: moved.url, apiKey: DEMO.apiKey });
      expect(signedIn.id).toBe(stored.id);
      expect(signedIn.clientId).not.toBe(stored.clientId);
      expect(signedIn.cabinetTokenEnc).not.toBe(stored.cabinetTokenEnc);
      expect([signedIn.crmUrlMoved, signedIn.sessionEpoch]).toEqual([false, stored.sessionEpoch + 1]);
      // The CRM learnt the new clientId; the old one opens nothing.
      expect(sim.state.modules.get(stored.moduleCode)?.clientId).toBe(signedIn.clientId);
      const stale = await fetch(`${app.url}/api/crm/activity`, {
        method: "POST",
        body: new URLSearchParams({ clientId: stored.clientId, activity: '{"active":true,"freeze":false}' }),
      });
      expect(stale.status).toBe(401);

      // An owner signing in again where they signed in before keeps the clientId, as always.
      const again = await connectAccount({ crmUrl: moved.url, apiKey: DEMO.apiKey });
      expect([again.clientId, again.sessionEpoch]).toEqual([signedIn.clientId, signedIn.sessionEpoch]);
    } finally {
      sim.state.systemUrls = {};
      await moved.close();
    }
  });

  it("never moves an account, nor sends its key, to an address its CRM does not confirm", async () => {
    const stored = await connected();
    const trap = await createRetailCrmSim();
    sim.clearRequests();
    try {
      const result = await sim.fireActivity({
        active: false,
        freeze: true,
        systemUrl: trap.url,
        moduleCode: stored.moduleCode,
      });
      expect(result.status).toBe(403);
      expect((result.json as { errorMsg: string }).errorMsg).toMatch(/^Parameter 'systemUrl' is not confirmed/);
      const after = await db().account.findUniqueOrThrow({ where: { id: stored.id } });
      expect([after.crmUrl, after.active, after.freeze]).toEqual([`${sim.url}/`, true, false]);
      expect(trap.requests).toHaveLength(0);
      // The CRM at the account's address was asked, and nothing else was sent anywhere.
      expect(sim.requests.map((r) => r.path)).toEqual(["/api/system-info"]);

      // A CRM that cannot be asked confirms nothing either.
      sim.setOutage("http502");
      const unreachable = await sim.fireActivity({
        active: true,
        freeze: false,
        systemUrl: trap.url,
        moduleCode: stored.moduleCode,
      });
      expect(unreachable.status).toBe(403);
      expect(trap.requests).toHaveLength(0);
    } finally {
      sim.setOutage("none");
      await trap.close();
    }
  });

  it("refuses an unknown clientId and bad input precisely", async () => {
    const post = (form: Record<string, string>) =>
      fetch(`${app.url}/api/crm/activity`, { method: "POST", body: new URLSearchParams(form) });
    const unknown = await post({ clientId: "a".repeat(64), activity: '{"active":true,"freeze":false}' });
    expect([unknown.status, await unknown.json()]).toEqual([401, { success: false, errorMsg: "unknown clientId" }]);
    const noActivity = await post({ clientId: "a".repeat(64) });
    expect([noActivity.status, await noActivity.json()]).toEqual([
      400,
      { success: false, errorMsg: "Parameter 'activity' is missing" },
    ]);
    const wrongShape = await post({ clientId: "a".repeat(64), activity: '{"active":"yes"}' });
    expect(wrongShape.status).toBe(400);
  });
});

describe("changeUserStatusUrl", () => {
  it("stores the status the CRM reports for a manager", async () => {
    const stored = await connected();
    await db().crmUser.upsert({
      where: { accountId_crmUserId: { accountId: stored.id, crmUserId: 3 } },
      create: { accountId: stored.id, crmUserId: 3, extension: "101", status: "free" },
      update: { status: "free" },
    });
    const result = await sim.fireUserStatus({ userId: 3, status: "dinner", moduleCode: stored.moduleCode });
    expect([result.status, result.json]).toEqual([200, { success: true }]);
    expect(
      (await db().crmUser.findUniqueOrThrow({ where: { accountId_crmUserId: { accountId: stored.id, crmUserId: 3 } } }))
        .status,
    ).toBe("dinner");
    const bad = await fetch(
      `${app.url}/api/crm/user-status?${new URLSearchParams({ clientId: stored.clientId, userId: "3", status: "sleeping" })}`,
    );
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { success: false, errorMsg: "parameter status must be one of free, busy, dinner, break" },
    ]);
  });

  it("learns a manager the CRM has from its users list, and makes up none for userIds it lacks", async () => {
    const stored = await connected();
    await db().crmUser.deleteMany({ where: { accountId: stored.id, crmUserId: { not: 3 } } });
    // Reads the CRM answered (a read refused for the key's rate limit is tried again by the client).
    const reads = () => sim.requests.filter((r) => r.path === "/api/v5/users" && r.status === 200).length;
    const readsBefore = reads();
    const usersRead = () => reads() - readsBefore;
    // A manager added in the CRM after the account read its users: their first status teaches it.
    const learnt = await sim.fireUserStatus({ userId: 5, status: "busy", moduleCode: stored.moduleCode });
    expect([learnt.status, learnt.json]).toEqual([200, { success: true }]);
    expect(
      await db().crmUser.findUniqueOrThrow({ where: { accountId_crmUserId: { accountId: stored.id, crmUserId: 5 } } }),
    ).toMatchObject({ lastName: "Кузнецов", status: "busy" });
    expect(usersRead()).toBe(1);
    const users = await db().crmUser.count({ where: { accountId: stored.id } });

    // 300 userIds nobody has, 50 at a time: no row for any, and the CRM is not asked again meanwhile.
    const answers: [number, unknown][] = [];
    for (let batch = 0; batch < 6; batch++)
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const userId = String(900_000 + batch * 50 + i);
            const reply = await fetch(
              `${app.url}/api/crm/user-status?${new URLSearchParams({ clientId: stored.clientId, userId, status: "busy" })}`,
            );
            return [reply.status, await reply.json()] as [number, unknown];
          }),
        )),
      );
    expect(answers[0]).toEqual([404, { success: false, errorMsg: "no CRM user 900000 in this account" }]);
    expect(answers.every(([status]) => status === 404)).toBe(true);
    expect(await db().crmUser.count({ where: { accountId: stored.id } })).toBe(users);
    expect(usersRead()).toBe(1);
  });
});
