// /api/manager over HTTP against the retailCRM simulator: answers, formats, budget, failures.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as managerRoute from "@/app/api/manager/route";
import { db } from "@/lib/db/client";
import { clearCallerCache } from "@/lib/dialplan";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { forgetRecentAccounts } from "@/lib/accounts";
import { until } from "@/e2e/setup/until";
import { announceAccountChange } from "@/lib/cache/changes";
import { dbPool } from "@/lib/db/client";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;
let accountId: string;

async function ask(params: Record<string, string>) {
  const started = Date.now();
  const response = await fetch(`${app.url}/api/manager?${new URLSearchParams({ clientId, ...params })}`);
  return {
    status: response.status,
    body: await response.text(),
    ms: Date.now() - started,
    type: response.headers.get("content-type"),
  };
}

beforeAll(async () => {
  const demo = await demoCrmAccount({ 3: "101", 5: "104" });
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  app = await serveRoutes({ "/api/manager": managerRoute });
});
afterAll(async () => {
  await app.close();
  await crm.close();
});
beforeEach(async () => {
  await clearCallerCache();
  crm.setLatency(0);
  crm.setOutage("none");
  await db().asteriskSettings.update({
    where: { accountId },
    data: { callerIdPrefix: "", transliterateNames: false, lookupBudgetMs: 1_500 },
  });
  forgetRecentAccounts();
});

describe("/api/manager", () => {
  it("answers the customer's name and the responsible manager's extension, json and text", async () => {
    expect(await ask({ phone: "+7 (900) 123-45-67", type: "json" })).toMatchObject({
      status: 200,
      body: '{"result":{"callerId":"Иван Иванов","phone":"101"}}',
    });
    expect(await ask({ phone: "89001234567", type: "text" })).toMatchObject({
      status: 200,
      body: "Иван Иванов,101",
      type: "text/plain; charset=utf-8",
    });
  });

  it("treats +7, 8 and 7 forms of a number as the same caller, asking the CRM once", async () => {
    crm.clearRequests();
    for (const phone of ["+79001234567", "89001234567", "79001234567", "8 (900) 123-45-67"]) {
      expect((await ask({ phone, type: "text" })).body).toBe("Иван Иванов,101");
    }
    expect(crm.requests.filter((r) => r.path === "/api/v5/telephony/manager")).toHaveLength(1);
  });

  it("adds the account's prefix and transliterates when asked", async () => {
    await db().asteriskSettings.update({
      where: { accountId },
      data: { callerIdPrefix: "Shop", transliterateNames: true },
    });
    forgetRecentAccounts();
    expect((await ask({ phone: "+79001234567", type: "text" })).body).toBe("Shop: Ivan Ivanov,101");
  });

  it("answers empty values for an unknown caller, a customer without a manager, or a manager who is offline", async () => {
    expect(await ask({ phone: "+79990000000", type: "json" })).toMatchObject({
      status: 200,
      body: '{"result":{"callerId":"","phone":""}}',
    });
    expect((await ask({ phone: "+79164445566", type: "text" })).body).toBe("Анна Фёдорова,");
    expect((await ask({ phone: "+79125550012", type: "text" })).body).toBe("Пётр Васильев,");
  });

  it("answers empty at the budget when the CRM is slow, and from the cache once the lookup finished", async () => {
    await db().asteriskSettings.update({ where: { accountId }, data: { lookupBudgetMs: 300 } });
    forgetRecentAccounts();
    crm.setLatency(800);
    const slow = await ask({ phone: "+79001234567", type: "text" });
    expect(slow.body).toBe(",");
    expect(slow.ms).toBeGreaterThanOrEqual(250);
    expect(slow.ms).toBeLessThan(700);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const cached = await ask({ phone: "+79001234567", type: "text" });
    expect(cached.body).toBe("Иван Иванов,101");
    expect(cached.ms).toBeLessThan(200);
  });

  it("keeps an answer the CRM gave after the account changed out of both caches", async () => {
    await db().asteriskSettings.update({ where: { accountId }, data: { lookupBudgetMs: 200 } });
    forgetRecentAccounts();
    crm.setLatency(500);
    expect((await ask({ phone: "+79001234567", type: "text" })).body).toBe(",");
    await announceAccountChange(accountId);
    await new Promise((resolve) => setTimeout(resolve, 600));
    crm.setLatency(0);
    crm.clearRequests();
    expect((await ask({ phone: "+79001234567", type: "text" })).body).toBe("Иван Иванов,101");
    expect(crm.requests.filter((r) => r.path === "/api/v5/telephony/manager")).toHaveLength(1);
  });

  it("forgets an answer that was still being shared when the callers were forgotten", async () => {
    await ask({ phone: "+79001234567", type: "text" });
    // The answer is shared after it is given: its row comes a moment later.
    const shared = await until(
      () => dbPool().query<{ key: string }>(`SELECT "key" FROM "caller_answers" WHERE "accountId" = $1`, [accountId]),
      (result) => result.rows.length === 1,
      2_000,
      20,
    );
    expect(shared.rows).toHaveLength(1);
    await clearCallerCache();
    // Another transaction holds the row's key, so the next answer's write waits until it is gone.
    const blocker = await dbPool().connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(
        `INSERT INTO "caller_answers" ("accountId", "key", "callerId", "extension", "freshUntil", "staleUntil")
          VALUES ($1, $2, '', '', now(), now())`,
        [accountId, shared.rows[0]!.key],
      );
      expect((await ask({ phone: "+79001234567", type: "text" })).body).toBe("Иван Иванов,101");
      const clearing = clearCallerCache();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await blocker.query("ROLLBACK");
      await clearing;
    } finally {
      blocker.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const left = await dbPool().query(`SELECT 1 FROM "caller_answers" WHERE "accountId" = $1`, [accountId]);
    expect(left.rows).toHaveLength(0);
  });

  it("never answers 5xx when the CRM is down or rate-limits", async () => {
    crm.setOutage("reset");
    expect(await ask({ phone: "+79001234567", type: "json" })).toMatchObject({
      status: 200,
      body: '{"result":{"callerId":"","phone":""}}',
    });
    crm.setOutage("none");
    await clearCallerCache();
    crm.failNext(10, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
    expect(await ask({ phone: "+79001234568", type: "text" })).toMatchObject({ status: 200, body: "," });
  });

  it("refuses bad input with 400 naming the parameter, in the requested format", async () => {
    expect(await ask({ type: "json" })).toMatchObject({
      status: 400,
      body: '{"result":{"callerId":"","phone":""},"error":"parameter phone is required"}',
    });
    expect(await ask({ phone: "1", type: "xml" })).toMatchObject({ status: 400 });
    const text = await ask({ type: "text" });
    expect(text.status).toBe(400);
    expect(text.body.endsWith(",")).toBe(true);
    expect(await ask({ phone: "x".repeat(100), type: "json" })).toMatchObject({ status: 400 });
  });

  it("refuses an unknown clientId with 401 and a switched-off module with 403", async () => {
    const unknown = await fetch(
      `${app.url}/api/manager?${new URLSearchParams({ clientId: "a".repeat(64), phone: "1", type: "json" })}`,
    );
    expect(unknown.status).toBe(401);
    await db().account.update({ where: { id: accountId }, data: { freeze: true } });
    forgetRecentAccounts();
    try {
      const off = await ask({ phone: "+79001234567", type: "json" });
      expect(off.status).toBe(403);
      expect(JSON.parse(off.body)).toEqual({
        result: { callerId: "", phone: "" },
        error: "модуль отключён в retailCRM",
      });
    } finally {
      await db().account.update({ where: { id: accountId }, data: { freeze: false } });
      forgetRecentAccounts();
    }
  });

  it("keeps every answer under 1 KB", async () => {
    const answer = await ask({ phone: "+79001234567", type: "json" });
    expect(Buffer.byteLength(answer.body)).toBeLessThan(1024);
  });
});
