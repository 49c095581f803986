import { expect, test, type Page } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, screenshot } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(async () => {
  await crm.close();
});

test.describe.configure({ mode: "serial" });

function recordingsForm(page: Page, heading: string) {
  return page.locator("form").filter({ has: page.getByRole("heading", { name: heading }) });
}

test("«Записи разговоров» on «Настройки Asterisk»: MP3 for 365 days until the admin chooses, then what they chose", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Настройки Asterisk" }).click();
  const form = recordingsForm(page, "Записи разговоров");
  const format = form.getByLabel("Формат хранения записей:");
  const retention = form.getByLabel("Хранить записи:");
  await expect(format).toHaveValue("MP3");
  await expect(format.locator("option:checked")).toHaveText("MP3 (по умолчанию)");
  await expect(retention).toHaveValue("365");
  await expect(retention.locator("option")).toHaveText([
    "30 дней",
    "90 дней",
    "180 дней",
    "365 дней (по умолчанию)",
    "всегда",
  ]);

  await format.selectOption({ label: "WAV (как записано)" });
  await retention.selectOption({ label: "90 дней" });
  await form.getByRole("button", { name: "Сохранить" }).click();
  await expect(form.locator(".alert")).toHaveText("Настройки записей сохранены");
  await screenshot(page, "recordings-settings-ru");

  await page.reload();
  await expect(recordingsForm(page, "Записи разговоров").getByLabel("Формат хранения записей:")).toHaveValue("WAV");
  await expect(recordingsForm(page, "Записи разговоров").getByLabel("Хранить записи:")).toHaveValue("90");
});

test("Call recordings in English: the same choices, saved and kept", async ({ browser }) => {
  const english = await browser.newContext({ locale: "en-US" });
  const page = await english.newPage();
  await page.goto("/login");
  await page.getByLabel("CRM address:").fill(crm.url);
  await page.getByLabel("Service API key:").fill(DEMO.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await page.getByRole("link", { name: "Asterisk settings" }).click();
  const form = recordingsForm(page, "Call recordings");
  const format = form.getByLabel("Keep recordings as:");
  const retention = form.getByLabel("Keep recordings for:");
  // What the Russian-speaking admin saved.
  await expect(format.locator("option:checked")).toHaveText("WAV (as recorded)");
  await expect(retention.locator("option:checked")).toHaveText("90 days");

  await format.selectOption({ label: "MP3 (default)" });
  await retention.selectOption({ label: "always" });
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.locator(".alert")).toHaveText("Recording settings saved");
  await screenshot(page, "recordings-settings-en");

  await page.reload();
  await expect(recordingsForm(page, "Call recordings").getByLabel("Keep recordings as:")).toHaveValue("MP3");
  await expect(recordingsForm(page, "Call recordings").getByLabel("Keep recordings for:")).toHaveValue("always");
  await english.close();
});
