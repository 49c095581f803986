import { PEER_HEADER } from "@/lib/security/source-address";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { db } from "@/lib/db/client";
import { connectAccount } from "./connect";
import { findAccountByClientId } from "./lookup";
import { rotateClientId } from "./rotate";
import {
  ExtensionTakenError,
  UnknownUserError,
  listPhones,
  phonesForCabinet,
  pushExtensions,
  refreshUsers,
  saveExtension,
} from "./users";

const fromPbx = { headers: new Headers({ [PEER_HEADER]: "192.0.2.10" }) };
let sim: RetailCrmSim;
let other: RetailCrmSim;

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
  other = await createRetailCrmSim();
  seedDemo(other);
});
afterAll(async () => {
  await sim.close();
  await other.close();
});

describe("«Ваши телефоны»", () => {
  it("reads every CRM user and keeps extensions across refreshes", async () => {
    const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    expect(await refreshUsers(account.id)).toBe(DEMO.users.length);
    await saveExtension(account.id, 3, "02");
    await refreshUsers(account.id);
    const phones = await listPhones(account.id);
    expect(phones).toHaveLength(DEMO.users.length);
    expect(phones.find((p) => p.crmUserId === 3)).toMatchObject({
      name: "Соколова Инна Сергеевна",
      extension: "02",
      status: "free",
    });
  });

  it("«Ваши телефоны» reads the CRM's users on first use, and says why when the CRM is down", async () => {
    const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    await db().crmUser.deleteMany({ where: { accountId: account.id } });
    sim.setOutage("http502");
    try {
      expect(await phonesForCabinet(account.id)).toEqual({
        error: "CRM временно недоступна (HTTP 502): попробуйте позже",
      });
    } finally {
      sim.setOutage("none");
    }
    const loaded = await phonesForCabinet(account.id);
    expect("phones" in loaded && loaded.phones.length).toBe(DEMO.users.length);
  });

  it("refuses an extension another user of the account has, naming them", async () => {
    const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    await refreshUsers(account.id);
    await saveExtension(account.id, 4, "03");
    const error = await saveExtension(account.id, 5, "03").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtensionTakenError);
    expect((error as ExtensionTakenError).owner).toBe("Петрова Александра Игоревна");
    await saveExtension(account.id, 4, null);
    await saveExtension(account.id, 5, "03");
  });

  it("sends nothing to the CRM until «Сохранить настройки», then all codes, and reports users the CRM lacks", async () => {
    const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    await refreshUsers(account.id);
    sim.clearRequests();
    await saveExtension(account.id, 6, "05");
    expect(sim.requests.filter((r) => r.path.includes("integration-modules"))).toHaveLength(0);
    await db().crmUser.create({
      data: { accountId: account.id, crmUserId: 999, firstName: "Призрак", extension: "99" },
    });
    expect(await pushExtensions(account.id)).toEqual([999]);
    const codes = sim.state.modules.get(account.moduleCode)?.integrations?.telephony?.additionalCodes;
    expect(codes).toEqual(
      expect.arrayContaining([
        { userId: 6, code: "05" },
        { userId: 999, code: "99" },
      ]),
    );
  });

  it("keeps accounts apart: an id of another account's user changes nothing", async () => {
    const mine = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    const theirs = await connectAccount({ crmUrl: other.url, apiKey: DEMO.apiKey });
    await db().crmUser.create({ data: { accountId: theirs.id, crmUserId: 4242, extension: "42" } });
    await expect(saveExtension(mine.id, 4242, "77")).rejects.toBeInstanceOf(UnknownUserError);
    expect((await db().crmUser.findFirstOrThrow({ where: { accountId: theirs.id, crmUserId: 4242 } })).extension).toBe(
      "42",
    );
    expect((await listPhones(mine.id)).some((p) => p.crmUserId === 4242)).toBe(false);
    await saveExtension(mine.id, 3, "42");
  });
});

describe("clientId rotation", () => {
  it("registers the new clientId in the CRM and makes the old one stop working at once", async () => {
    const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
    const fresh = await rotateClientId(account.id);
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(fresh).not.toBe(account.clientId);
    expect(await findAccountByClientId(account.clientId, fromPbx)).toBeNull();
    expect((await findAccountByClientId(fresh, fromPbx))?.id).toBe(account.id);
    expect(sim.state.modules.get(account.moduleCode)?.clientId).toBe(fresh);
  });

  it("keeps the old clientId when the CRM refuses the new one", async () => {
    const account = await db().account.findFirstOrThrow({ where: { crmUrl: `${sim.url}/` } });
    sim.failNext(1, { status: 500, pathPrefix: "/api/v5/integration-modules" });
    await expect(rotateClientId(account.id)).rejects.toThrow();
    expect((await findAccountByClientId(account.clientId, fromPbx))?.id).toBe(account.id);
  });
});
