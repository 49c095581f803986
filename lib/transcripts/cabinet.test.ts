import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { DEMO, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { connectAccount } from "@/lib/accounts";
import { db } from "@/lib/db/client";
import { Refusal } from "@/lib/http/refusal";
import { loadTranscriptCabinet, saveTranscriptCabinet } from "./cabinet";

// «Расшифровка звонков» needs a key that may write customer notes, as «Возможности CRM» needs the
// task methods for tasks (docs/transcripts.md, «Note»; lib/accounts/required-access.ts).
let crm: RetailCrmSim;
let accountId: string;
const ALL_SCOPES = [...DEMO.key.scopes];

beforeAll(async () => {
  const demo = await demoCrmAccount();
  crm = demo.crm;
  accountId = demo.account.id;
});
afterAll(async () => {
  await crm.close();
});

const setScopes = (scopes: string[]) => (crm.state.keys.get(DEMO.apiKey)!.scopes = scopes);
const formWith = async (enabled: boolean) => ({ ...(await loadTranscriptCabinet(accountId)).form, enabled });

describe("the transcripts section and the key's access", () => {
  it("is not switched on with a key that may not create customer notes, and names the method", async () => {
    setScopes(ALL_SCOPES.filter((scope) => scope !== "customer_write"));
    const result = await saveTranscriptCabinet(accountId, await formWith(true));
    expect(result).toEqual({
      ok: false,
      formError:
        "У API ключа нет доступа к методам: /api/customers/notes/create. " +
        "Разрешите их в retailCRM (Администрирование → Интеграция → Ключи доступа к API) и попробуйте снова.",
    });
    expect(await db().transcriptSettings.findUnique({ where: { accountId } })).toBeNull();
  });

  it("is saved switched off whatever the key may do, and switched on once the key may write notes", async () => {
    setScopes(ALL_SCOPES.filter((scope) => scope !== "customer_write"));
    expect(await saveTranscriptCabinet(accountId, await formWith(false))).toMatchObject({ ok: true });
    setScopes(ALL_SCOPES);
    expect(await saveTranscriptCabinet(accountId, await formWith(true))).toMatchObject({ ok: true });
    expect(await db().transcriptSettings.findUnique({ where: { accountId } })).toMatchObject({ enabled: true });
  });

  it("says the check failed when the CRM cannot be asked", async () => {
    crm.failNext(1, {
      status: 401,
      body: { success: false, errorMsg: "Wrong apiKey value" },
      pathPrefix: "/api/credentials",
    });
    const result = await saveTranscriptCabinet(accountId, await formWith(true));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.formError).toMatch(/^Не удалось проверить доступ API ключа: /);
  });

  it("while switched on, a new key for the account must allow the notes too", async () => {
    setScopes(ALL_SCOPES.filter((scope) => scope !== "customer_write"));
    const refused = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey }, "en").catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Refusal);
    expect((refused as Refusal).message).toBe(
      "The API key has no access to the methods: /api/customers/notes/create. " +
        "Allow them in retailCRM (Administration → Integration → API access keys) and try again.",
    );
    setScopes(ALL_SCOPES);
  });
});
