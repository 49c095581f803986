// Taking an account through the CRM's callbacks, against the production server (docs/security.md,
// «Адрес CRM» and «Сессии кабинета»): a CRM that names another company's address cannot move its
// account there, a sign-in where a move led hands over no clientId or session, and a session the
// CRM ended by switching the module off stays ended.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, notice } from "./support";

test.describe.configure({ mode: "serial" });

const sims: RetailCrmSim[] = [];

async function demoCrm(sameAccount?: RetailCrmSim): Promise<RetailCrmSim> {
  const crm = await createRetailCrmSim(undefined, sameAccount);
  if (!sameAccount) seedDemo(crm);
  sims.push(crm);
  return crm;
}

test.afterAll(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
});

/** A browser of its own, signed in at the CRM address with the key. */
async function signedIn(browser: Browser, crmUrl: string, apiKey: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await loginOk(page, crmUrl, apiKey);
  return page;
}

async function clientIdShown(page: Page): Promise<string> {
  await page.goto("/cabinet/api");
  return page.getByLabel("Параметр clientId:").inputValue();
}

test("a CRM that names another company's address cannot move its account there, nor open that cabinet", async ({
  browser,
}) => {
  const attackerCrm = await demoCrm();
  const victimCrm = await demoCrm();
  victimCrm.addKey({ ...DEMO.key, key: "victim-e2e-key" });
  const attacker = await signedIn(browser, attackerCrm.url, DEMO.apiKey);
  const attackerClientId = await clientIdShown(attacker);

  // The attacker's own CRM "confirms" the victim's address as its own.
  attackerCrm.state.systemUrls = { publicUrl: victimCrm.url };
  const move = await attackerCrm.fireActivity({ active: true, freeze: false, systemUrl: victimCrm.url });
  expect(move.status).toBe(403);
  expect((move.json as { errorMsg: string }).errorMsg).toMatch(/^Parameter 'systemUrl' is not confirmed/);

  const victim = await signedIn(browser, victimCrm.url, "victim-e2e-key");
  const victimClientId = await clientIdShown(victim);
  expect(victimClientId).not.toBe(attackerClientId);
  // The attacker's session still opens only the attacker's own cabinet.
  expect(await clientIdShown(attacker)).toBe(attackerClientId);
  await expect(attacker.getByText(victimCrm.url)).toHaveCount(0);
});

test("the first sign-in where the CRM moved an account gives it a new clientId and ends older sessions", async ({
  browser,
}) => {
  const crm = await demoCrm();
  // The same CRM account at its second address, which it names as its own.
  const second = await demoCrm(crm);
  const before = await signedIn(browser, crm.url, DEMO.apiKey);
  const clientId = await clientIdShown(before);
  crm.state.systemUrls = { technicalUrl: second.url };
  expect((await crm.fireActivity({ active: true, freeze: false, systemUrl: second.url })).status).toBe(200);

  const after = await signedIn(browser, second.url, DEMO.apiKey);
  const renewed = await clientIdShown(after);
  expect(renewed).not.toBe(clientId);
  await before.reload();
  await expect(before).toHaveURL(/\/login\?error=session-rotated$/);
  // Signing in again there, as the owner now has, keeps the clientId.
  const again = await signedIn(browser, second.url, DEMO.apiKey);
  expect(await clientIdShown(again)).toBe(renewed);
});

test("a session the CRM ended by switching the module off or freezing it stays ended", async ({ browser }) => {
  const crm = await demoCrm();
  const page = await signedIn(browser, crm.url, DEMO.apiKey);
  const clientId = await clientIdShown(page);

  expect((await crm.fireActivity({ active: false, freeze: false })).status).toBe(200);
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/login\?error=session-inactive$/);

  // Anyone with the clientId asks to switch it on: the CRM has it off, so it stays off.
  const forged = await page.request.post("/api/crm/activity", {
    form: { clientId, activity: JSON.stringify({ active: true, freeze: false }) },
  });
  expect(forged.status()).toBe(200);
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/login\?error=session-inactive$/);

  // The CRM switches it on: the module works again, the ended session does not come back.
  expect((await crm.fireActivity({ active: true, freeze: false })).status).toBe(200);
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/login\?error=session-ended$/);
  await expect(notice(page)).toHaveText(
    "Модуль был отключён или заморожен в retailCRM, сессия завершена: войдите снова по адресу CRM и API ключу",
  );

  // A new sign-in works; freezing ends it too.
  await loginOk(page, crm.url, DEMO.apiKey);
  expect((await crm.fireActivity({ active: true, freeze: true })).status).toBe(200);
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/login\?error=session-ended$/);
});
