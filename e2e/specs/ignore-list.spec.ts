import { expect, test, type Page } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, screenshot } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(() => crm.close());

test.describe.configure({ mode: "serial" });

const ignoreForm = (page: Page, heading = "Номера без карточки") =>
  page.locator("form").filter({ has: page.getByRole("heading", { name: heading }) });

test("«Номера без карточки»: entries checked in Russian, saved, a listed caller's call journalled as ignored and counted", async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();
  await page.getByRole("link", { name: "Возможности CRM" }).click();
  const form = ignoreForm(page);
  await expect(form.getByText("Список пуст.")).toBeVisible();
  await expect(form.getByText("Звонков с этими номерами за последние 30 дней: 0")).toBeVisible();

  for (let i = 0; i < 3; i++) await form.getByRole("button", { name: "Добавить номер" }).click();
  await form.getByLabel("Номер или префикс 1").fill("абв");
  await form.getByLabel("Номер или префикс 2").fill("7809*");
  await form.getByLabel("Номер или префикс 3").fill("8 (900) 123-45-67");
  await form.getByRole("button", { name: "Сохранить список" }).click();
  await expect(form.locator(".field-error", { hasText: "Номер: цифры, можно с + в начале" })).toBeVisible();
  await expect(form.locator(".field-error", { hasText: "Префикс пишется в международном виде с +" })).toBeVisible();

  await form.getByLabel("Номер или префикс 1").fill("+7 900 123-45-67");
  await form.getByLabel("Номер или префикс 2").fill("+7809*");
  await form.getByRole("button", { name: "Сохранить список" }).click();
  await expect(form.locator(".field-error", { hasText: "Этот номер уже в списке" })).toBeVisible();
  await form.getByRole("button", { name: "Удалить 3" }).click();
  await form.getByLabel(/Скрытые номера/).check();
  await form.getByRole("button", { name: "Сохранить список" }).click();
  await expect(form.locator(".alert")).toHaveText("Список сохранён: действует со следующего звонка");

  const event = (params: Record<string, string>) =>
    request.get(
      `/api/event?${new URLSearchParams({ clientId, uniqueid: "1800100000.1", phone: "89001234567", ...params })}`,
    );
  expect((await event({ type: "in", code: "101" })).status()).toBe(200);
  expect((await event({ type: "hangup", code: "101", status: "NOANSWER", direct: "in", hold: "5" })).status()).toBe(
    200,
  );

  await page.reload();
  const saved = ignoreForm(page);
  await expect(saved.getByLabel("Номер или префикс 1")).toHaveValue("+79001234567");
  await expect(saved.getByLabel("Номер или префикс 2")).toHaveValue("+7809*");
  await expect(saved.getByLabel(/Скрытые номера/)).toBeChecked();
  await expect(saved.getByText("Звонков с этими номерами за последние 30 дней: 1")).toBeVisible();
  await saved.scrollIntoViewIfNeeded();
  await screenshot(page, "tab-crm-ignore-ru");

  await page.getByRole("link", { name: "Журнал звонков" }).click();
  const row = page.locator('tr[data-uniqueid="1800100000.1"]');
  await expect(row.getByText("Номер в списке игнорируемых: в CRM ничего не отправлялось")).toBeVisible();
  await expect(row.locator(".delivery")).toHaveCount(0);
  expect(crm.state.callEvents).toEqual([]);
});

test("«Новые клиенты»: off by default; on needs a key that may create customers; the name template is kept", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Возможности CRM" }).click();
  const form = page.locator("form").filter({ hasText: "Задача перезвонить по пропущенному звонку" });
  const option = form.getByLabel(/Создавать клиента в retailCRM при первом звонке/);
  await expect(option).not.toBeChecked();
  await option.check();
  const name = form.getByLabel("Имя нового клиента:");
  await expect(name).toHaveValue("Новый клиент {phone}");
  await name.fill("");
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".field-error", { hasText: "Укажите имя нового клиента" })).toBeVisible();
  await name.fill("Звонок {phone}");

  const key = crm.state.keys.get(DEMO.apiKey)!;
  const scopes = key.scopes;
  key.scopes = scopes.filter((scope) => scope !== "customer_write");
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".alert")).toContainText("У API ключа нет доступа к методам: /api/customers/create");
  key.scopes = scopes;
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".alert")).toHaveText("Настройки сохранены");

  await page.reload();
  await expect(form.getByLabel(/Создавать клиента в retailCRM при первом звонке/)).toBeChecked();
  await expect(form.getByLabel("Имя нового клиента:")).toHaveValue("Звонок {phone}");
  await screenshot(page, "tab-crm-new-customers-ru");
});

test("in English: the list's checks and the option speak English", async ({ browser }) => {
  const english = await browser.newContext({ locale: "en-US" });
  const page = await english.newPage();
  await page.goto("/login");
  await page.getByLabel("CRM address:").fill(crm.url);
  await page.getByLabel("Service API key:").fill(DEMO.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await page.getByRole("link", { name: "CRM features", exact: true }).click();
  const form = ignoreForm(page, "Numbers without a card");
  await expect(form.getByText("Calls with these numbers in the last 30 days: 1")).toBeVisible();
  await form.getByRole("button", { name: "Add a number" }).click();
  await form.getByLabel("Number or prefix 3").fill("+7*");
  await form.getByRole("button", { name: "Save the list" }).click();
  await expect(
    form.locator(".field-error", { hasText: "Too short: a number has at least 5 digits, a prefix at least 2" }),
  ).toBeVisible();
  await expect(page.getByLabel(/Create a customer in retailCRM on the first call/)).toBeChecked();
  await form.scrollIntoViewIfNeeded();
  await screenshot(page, "tab-crm-ignore-en");
  await english.close();
});
