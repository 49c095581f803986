import { expect, type Page } from "@playwright/test";

/** The AMI user the specs give the simulated Asterisk (its secret must never reach the server log). */
export const AMI_USER = {
  username: "crm",
  secret: "s3cret-ami-e2e",
  read: "call,agent,dialplan",
  write: "originate,agent,reporting",
};

export const MARKETPLACE_SECRET = process.env.MARKETPLACE_SECRET ?? "e2e-marketplace-secret-0123456789";

export async function login(page: Page, crmUrl: string, apiKey: string) {
  await page.goto("/login");
  await page.getByLabel("Адрес CRM:").fill(crmUrl);
  await page.getByLabel("API ключ сервиса:").fill(apiKey);
  await page.getByRole("button", { name: "Вход" }).click();
}

export async function loginOk(page: Page, crmUrl: string, apiKey: string) {
  await login(page, crmUrl, apiKey);
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The page's own alert or status boxes (Next.js adds an empty role=alert route announcer of its own). */
export function notice(page: Page) {
  return page.locator(".alert");
}

export async function logout(page: Page) {
  await page.getByRole("button", { name: "Выход" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("button", { name: "Вход" })).toBeVisible();
}

/**
 * Marks the document now shown; the check answers whether it is still that document, i.e. the
 * page changed what it shows without being reloaded (client navigation keeps it too).
 */
export async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    (window as { e2eMark?: boolean }).e2eMark = true;
  });
  return () => page.evaluate(() => (window as { e2eMark?: boolean }).e2eMark === true);
}
