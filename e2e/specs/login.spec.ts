import { expect, test } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { login, loginOk, logout, notice, screenshot } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  crm.addKey({ key: "no-telephony", scopes: ["user_read", "customer_read", "integration_read", "integration_write"] });
});
test.afterAll(() => crm.close());

test("the login form checks its fields before asking the CRM", async ({ page }) => {
  await page.goto("/login");
  await screenshot(page, "login");
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page.getByText("Укажите адрес CRM", { exact: true })).toBeVisible();
  await expect(page.getByText("Укажите API ключ", { exact: true })).toBeVisible();
  await page.getByLabel("Адрес CRM:").fill("ftp://shop");
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page.getByText("Укажите адрес CRM в виде https://ваш_магазин.retailcrm.ru/")).toBeVisible();
  expect(crm.requests).toHaveLength(0);
});

test("each failure to connect gets its own message", async ({ page }) => {
  await login(page, crm.url, "wrong-key");
  await expect(notice(page)).toHaveText("Неверный API ключ: CRM его не приняла");

  await login(page, crm.url, "no-telephony");
  await expect(notice(page)).toContainText(
    "У API ключа нет доступа к методам: /api/telephony/call/event, /api/telephony/calls/upload, /api/telephony/manager",
  );
  await screenshot(page, "login-missing-methods");

  crm.setAccountExists(false);
  await login(page, crm.url, DEMO.apiKey);
  await expect(notice(page)).toHaveText("Аккаунт retailCRM по этому адресу не найден: проверьте адрес CRM");
  crm.setAccountExists(true);

  crm.setOutage("hang");
  await login(page, crm.url, DEMO.apiKey);
  await expect(notice(page)).toHaveText("CRM не ответила вовремя: попробуйте ещё раз");
  crm.setOutage("none");

  await login(page, "http://127.0.0.1:1", DEMO.apiKey);
  await expect(notice(page)).toHaveText("Не удалось подключиться к CRM: адрес недоступен");
  await expect(page).toHaveURL(/\/login$/);
});

test("signing in with the keyboard lands in the cabinet, and logging out ends the session", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Адрес CRM:").focus();
  await page.keyboard.type(crm.url.replace("http://", "http://"));
  await page.keyboard.press("Tab");
  await page.keyboard.type(DEMO.apiKey);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await expect(page.getByRole("link", { name: "Ваши телефоны" })).toHaveAttribute("aria-current", "page");
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "next-auth.session-token")?.httpOnly).toBe(true);

  await logout(page);
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/login$/);
});

test("a second login finds the same account", async ({ page }) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  const modules = crm.state.modules.size;
  await logout(page);
  await loginOk(page, `${crm.url}/some/page`, DEMO.apiKey);
  expect(crm.state.modules.size).toBe(modules);
});
