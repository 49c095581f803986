// /api/manager with the chain of managers: the customer's manager, the one who last talked with
// the number, the admin's managers to ring together; statuses change mid-test through the
// CRM's changeUserStatusUrl callback, and the CRM is asked once for all of it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RetailCrmSim, UserStatus } from "@/e2e/sim/retailcrm";
import { demoCrmAccount, crmOptionsInput } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { forgetRecentAccounts, refreshUsers } from "@/lib/accounts";
import { saveCrmOptions } from "@/lib/crm-options";
import { db } from "@/lib/db/client";
import { clearCallerCache } from "@/lib/dialplan";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;
let accountId: string;
let moduleCode: string;

const CHAIN = crmOptionsInput({ managerChain: true, chainFallbackUserIds: ["5", "7"] });

async function ask(type: "json" | "text", phone = "89001234567") {
  const response = await fetch(`${app.url}/api/manager?${new URLSearchParams({ clientId, phone, type })}`);
  expect(response.status).toBe(200);
  return type === "json" ? ((await response.json()) as { result: Record<string, unknown> }).result : response.text();
}

async function status(userId: number, value: UserStatus) {
  const result = await crm.fireUserStatus({ userId, status: value, moduleCode });
  expect(result.status).toBe(200);
}

beforeAll(async () => {
  app = await serveRoutes({
    "/api/manager": await import("@/app/api/manager/route"),
    "/api/event": await import("@/app/api/event/route"),
    "/api/crm/user-status": await import("@/app/api/crm/user-status/route"),
  });
  process.env.PUBLIC_URL = app.url;
  const demo = await demoCrmAccount({ 3: "101", 4: "102", 5: "103", 7: "107" });
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  moduleCode = demo.account.moduleCode;
  await db().asteriskSettings.update({ where: { accountId }, data: { channelTemplate: "PJSIP" } });
  // Manager 102 talked with Иван last (an answered incoming call).
  const talked = await fetch(
    `${app.url}/api/event?${new URLSearchParams({
      clientId,
      type: "hangup",
      uniqueid: "1733390100.1",
      phone: "+79001234567",
      code: "102",
      status: "ANSWER",
      direct: "in",
      hold: "4",
      duration: "95",
      date: "2026-12-04 17:00:00",
    })}`,
  );
  expect(talked.status).toBe(200);
});

afterAll(async () => {
  await app.close();
  await crm.close();
});

beforeEach(async () => {
  await clearCallerCache();
  forgetRecentAccounts();
});

describe("the chain of managers", () => {
  it("follows the customer's manager, then who last talked, then the list, as statuses change; the CRM is asked once", async () => {
    expect(await saveCrmOptions(accountId, CHAIN)).toMatchObject({ ok: true });
    for (const id of [3, 4, 5, 7]) await status(id, "free");
    crm.clearRequests();

    expect(await ask("json")).toEqual({
      callerId: "Иван Иванов",
      phone: "101",
      extensions: ["101"],
      dial: "PJSIP/101",
    });
    expect(await ask("text")).toBe("Иван Иванов,101");

    await status(3, "dinner");
    expect(await ask("json")).toMatchObject({ phone: "102", extensions: ["102"] });
    expect(await ask("text")).toBe("Иван Иванов,102");

    await status(4, "busy");
    expect(await ask("json")).toEqual({
      callerId: "Иван Иванов",
      phone: "103",
      extensions: ["103", "107"],
      dial: "PJSIP/103&PJSIP/107",
    });

    await status(5, "break");
    expect(await ask("json")).toMatchObject({ phone: "107", extensions: ["107"], dial: "PJSIP/107" });

    await status(3, "free");
    expect(await ask("text")).toBe("Иван Иванов,101");

    const lookups = crm.requests.filter((r) => r.path === "/api/v5/telephony/manager");
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.query).toMatchObject({ ignoreStatus: "1", details: "1" });
  });

  it("skips a manager who is inactive in the CRM, and answers nobody when no one can take the call", async () => {
    expect(await saveCrmOptions(accountId, { ...CHAIN, chainLastTalked: false })).toMatchObject({ ok: true });
    await status(3, "busy");
    await status(5, "free");
    crm.state.users.get(5)!.active = false;
    await refreshUsers(accountId);
    expect(await ask("json")).toMatchObject({ phone: "107", extensions: ["107"] });
    await status(7, "dinner");
    expect(await ask("json")).toEqual({ callerId: "Иван Иванов", phone: "", extensions: [], dial: "" });
    expect(await ask("text")).toBe("Иван Иванов,");
    crm.state.users.get(5)!.active = true;
    await refreshUsers(accountId);
    for (const id of [3, 5, 7]) await status(id, "free");
  });

  it("finds the fallback for a caller the CRM does not know", async () => {
    expect(await saveCrmOptions(accountId, CHAIN)).toMatchObject({ ok: true });
    expect(await ask("json", "+79990000001")).toEqual({
      callerId: "",
      phone: "103",
      extensions: ["103", "107"],
      dial: "PJSIP/103&PJSIP/107",
    });
  });

  it("without the chain answers as the guide defines, with the CRM judging the status", async () => {
    expect(await saveCrmOptions(accountId, { ...CHAIN, managerChain: false })).toMatchObject({ ok: true });
    crm.clearRequests();
    expect(await ask("json")).toEqual({ callerId: "Иван Иванов", phone: "101" });
    expect(crm.requests.find((r) => r.path === "/api/v5/telephony/manager")!.query).toMatchObject({
      ignoreStatus: "0",
    });
  });
});
