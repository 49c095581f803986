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

function optionsForm(page: Page) {
  return page.locator("form").filter({ hasText: "Задача перезвонить по пропущенному звонку" });
}

function numbersForm(page: Page) {
  return page.locator("form").filter({ hasText: "Магазины по номерам" });
}

test("«Возможности CRM»: tasks need a default manager and a key that may call the task methods; the chain and alerts are kept", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Возможности CRM" }).click();
  const form = optionsForm(page);
  await expect(form.getByLabel("Ответственный по умолчанию:")).toHaveCount(0);

  await form.getByLabel(/Ставить в retailCRM задачу перезвонить/).check();
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(
    form.locator(".field-error", {
      hasText: "Выберите, кому ставить задачу, когда у клиента нет менеджера или он не свободен",
    }),
  ).toBeVisible();
  await form.getByLabel("Ответственный по умолчанию:").selectOption({ label: "Соколова Инна Сергеевна" });

  const key = crm.state.keys.get(DEMO.apiKey)!;
  const scopes = key.scopes;
  key.scopes = scopes.filter((scope) => scope !== "task_write");
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".alert")).toContainText(
    "У API ключа нет доступа к методам: /api/tasks/create, /api/tasks/{id}/edit",
  );
  key.scopes = scopes;

  await form.getByLabel("Искать менеджера по цепочке").check();
  await form
    .getByLabel("Кому звонить, если никто из них не свободен:")
    .selectOption([{ label: "Петрова Александра Игоревна" }]);
  await form.getByLabel(/Сообщать, когда AMI недоступен/).check();
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".field-error", { hasText: "Выберите, кому отправлять уведомления" })).toBeVisible();
  await form
    .getByLabel("Кому отправлять:")
    .selectOption([{ label: "Администратор" }, { label: "Соколова Инна Сергеевна" }]);
  await form.getByLabel("Через сколько минут сбоя сообщать:").fill("0");
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".field-error", { hasText: "От 1 до 1440 минут" })).toBeVisible();
  await form.getByLabel("Через сколько минут сбоя сообщать:").fill("5");
  await form.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(form.locator(".alert")).toHaveText("Настройки сохранены");
  await screenshot(page, "tab-crm-features");

  await page.reload();
  const again = optionsForm(page);
  await expect(again.getByLabel(/Ставить в retailCRM задачу перезвонить/)).toBeChecked();
  await expect(again.getByLabel("Ответственный по умолчанию:")).toHaveValue("3");
  await expect(again.getByLabel("Кому звонить, если никто из них не свободен:")).toHaveValues(["4"]);
  await expect(again.getByLabel("Кому отправлять:")).toHaveValues(["1", "3"]);
  await expect(again.getByLabel("Через сколько минут сбоя сообщать:")).toHaveValue("5");
});

test("«Магазины по номерам»: a number and its store go to the CRM; a bad number is named; removing one updates the CRM", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Возможности CRM" }).click();
  const form = numbersForm(page);
  await expect(form.getByText("Номера не назначены.")).toBeVisible();

  await form.getByRole("button", { name: "Добавить номер" }).click();
  await form.getByRole("button", { name: "Добавить номер" }).click();
  await form.getByLabel("Номер телефона:").nth(0).fill("+7 (495) 123-45-67");
  await form.getByLabel("Магазин:").nth(0).selectOption({ label: "Демо-магазин" });
  await form.getByLabel("Номер телефона:").nth(1).fill("84-95-12345-67");
  await form.getByLabel("Магазин:").nth(1).selectOption({ label: "Alice Trade" });
  await form.getByRole("button", { name: "Сохранить номера" }).click();
  await expect(form.locator(".field-error", { hasText: "Этот номер уже указан" })).toBeVisible();

  await form.getByLabel("Номер телефона:").nth(1).fill("8 499 765-43-21");
  await form.getByRole("button", { name: "Сохранить номера" }).click();
  await expect(form.locator(".alert")).toHaveText("Номера сохранены и переданы в CRM");
  const telephony = () => [...crm.state.modules.values()][0]!.integrations.telephony!;
  expect(telephony().externalPhones).toEqual([
    { siteCode: "demo-shop", externalPhone: "+74951234567" },
    { siteCode: "asterisk-api-alice-trade", externalPhone: "84997654321" },
  ]);

  await page.reload();
  await expect(numbersForm(page).getByLabel("Номер телефона:")).toHaveCount(2);
  await numbersForm(page).getByRole("button", { name: "Удалить номер 1" }).click();
  await numbersForm(page).getByRole("button", { name: "Сохранить номера" }).click();
  await expect(numbersForm(page).locator(".alert")).toHaveText("Номера сохранены и переданы в CRM");
  expect(telephony().externalPhones).toEqual([{ siteCode: "asterisk-api-alice-trade", externalPhone: "84997654321" }]);
});
