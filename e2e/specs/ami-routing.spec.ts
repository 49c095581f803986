import { expect, test } from "@playwright/test";
import { createAsteriskSim, type AsteriskSim } from "../sim/asterisk";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { AMI_USER, loginOk, notice, screenshot } from "./support";

// «Настройки Asterisk»'s naming and routing over AMI (docs/ami-routing.md), in both languages: off
// until turned on, shown only with call events from AMI, their fields checked, and write = call
// asked of the AMI user when they are saved. AMI_USER is the «API» tab's AMI-mode user before
// routing; ROUTER has write = call too.
const ROUTER = {
  ...AMI_USER,
  username: "router",
  secret: "s3cret-router-e2e",
  write: "originate,agent,reporting,call",
};

let crm: RetailCrmSim;
let asterisk: AsteriskSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  asterisk = await createAsteriskSim({ tcpPort: 0, httpPort: 0, users: [AMI_USER, ROUTER], loginFailDelayMs: 200 });
});
test.afterAll(async () => {
  await crm.close();
  await asterisk.close();
});

test.describe.configure({ mode: "serial" });

test("«Настройки Asterisk»: the caller's name and the responsible manager, off until turned on; write = call checked", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Настройки Asterisk" }).click();
  const naming = page.getByLabel("Показывать на телефоне менеджера имя звонящего из CRM (Setvar CALLERID(name))");
  const routing = page.getByLabel("Направлять звонок ответственному менеджеру (Redirect)");
  const fallback = page.getByLabel("Куда вернуть звонок, если менеджер не ответил:");
  // The dialplan's own CURL names and routes in dialplan mode: the switches come with events from AMI.
  await expect(routing).toHaveCount(0);
  await page.getByLabel("Откуда брать события звонков:").selectOption("AMI");
  await expect(naming).not.toBeChecked();
  await expect(routing).not.toBeChecked();
  // The race, said plainly.
  await expect(
    page.getByText("Если dialplan звонит менеджеру сразу, без приветствия, IVR или очереди", { exact: false }),
  ).toBeVisible();
  await expect(fallback).toHaveCount(0);

  await naming.check();
  await routing.check();
  await expect(page.getByLabel("Контекст, где набор добавочного звонит на телефон:")).toHaveValue("from-internal");
  await expect(page.getByLabel("Сколько ждать ответа менеджера, с:")).toHaveValue("20");
  await expect(fallback).toHaveValue("");
  await page.getByLabel("Порт AMI:").fill(String(asterisk.httpPort));
  await page.getByLabel("Порт AMI (TCP) для событий:").fill(String(asterisk.tcpPort));
  await page.getByLabel("Логин AMI:").fill(AMI_USER.username);
  await page.getByLabel("Пароль AMI:").fill(AMI_USER.secret);
  await page.getByLabel("Сколько ждать ответа менеджера, с:").fill("3");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(page.locator(".field-error", { hasText: "Время — число секунд от 5 до 120" })).toBeVisible();
  await expect(
    page.locator(".field-error", { hasText: "Укажите, куда вернуть звонок, если менеджер не ответил" }),
  ).toBeVisible();
  await page.getByLabel("Сколько ждать ответа менеджера, с:").fill("25");
  await fallback.fill("ext-queues,400");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(
    page.locator(".field-error", {
      hasText: "Контекст, добавочный и приоритет через запятую: context,extension,priority",
    }),
  ).toBeVisible();
  await fallback.fill("ext-queues,400,1");

  // The «API» tab's AMI-mode user before routing: no write = call.
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText(
    "У пользователя AMI нет прав, нужных событиям из AMI: write = call (без него сервис не назовёт звонящего и не направит звонок менеджеру: Setvar и Redirect). В manager.conf нужны read = call,agent,dialplan и write = originate,agent,reporting,call, как в блоке на вкладке «API»; после правки выполните manager reload и сохраните настройки снова",
  );
  await page.getByLabel("Логин AMI:").fill(ROUTER.username);
  await page.getByLabel("Пароль AMI:").fill(ROUTER.secret);
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText("Настройки сохранены: доступ к AMI проверен");

  await page.reload();
  await expect(naming).toBeChecked();
  await expect(routing).toBeChecked();
  await expect(page.getByLabel("Сколько ждать ответа менеджера, с:")).toHaveValue("25");
  await expect(fallback).toHaveValue("ext-queues,400,1");
  await screenshot(page, "tab-asterisk-routing");

  await page.getByRole("link", { name: "API" }).click();
  const managerConf = page.locator("pre").filter({ hasText: "/etc/asterisk/manager.conf" });
  await expect(managerConf).toContainText("write = originate,reporting,call");
  await expect(managerConf).toContainText(
    "; call: имя звонящего (Setvar CALLERID(name)) и звонок ответственному менеджеру (Redirect)",
  );
});

test("English: the same switches, hints and checks", async ({ browser }) => {
  const english = await browser.newContext({ locale: "en-US" });
  const page = await english.newPage();
  await page.goto("/login");
  await page.getByLabel("CRM address:").fill(crm.url);
  await page.getByLabel("Service API key:").fill(DEMO.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await page.getByRole("link", { name: "Asterisk settings", exact: true }).click();

  const naming = page.getByLabel("Show the caller's name from the CRM on the manager's phone (Setvar CALLERID(name))");
  const routing = page.getByLabel("Send the call to the responsible manager (Redirect)");
  const fallback = page.getByLabel("Where the call goes if the manager does not answer:");
  await expect(page.getByRole("heading", { name: "The caller's name and the responsible manager" })).toBeVisible();
  await expect(naming).toBeChecked();
  await expect(routing).toBeChecked();
  await expect(
    page.getByText("If the dialplan rings the manager at once, with no greeting, IVR or queue", { exact: false }),
  ).toBeVisible();
  await fallback.fill("ext queues,400,1");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(
    page.locator(".field-error", {
      hasText: "The context, extension and priority separated by commas: context,extension,priority",
    }),
  ).toBeVisible();
  await fallback.fill("");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(
    page.locator(".field-error", { hasText: "Enter where the call goes if the manager does not answer" }),
  ).toBeVisible();

  // Naming alone: the fields of routing go; still write = call, which the AMI-mode user lacks.
  await routing.uncheck();
  await expect(fallback).toHaveCount(0);
  await page.getByLabel("AMI login:").fill(AMI_USER.username);
  await page.getByLabel("AMI password:").fill(AMI_USER.secret);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(notice(page)).toHaveText(
    "The AMI user lacks rights that events from AMI need: write = call (without it the service can neither name the caller nor send the call to a manager: Setvar and Redirect). manager.conf needs read = call,agent,dialplan and write = originate,agent,reporting,call, as in the block on the «API» tab; after editing it run manager reload and save the settings again",
  );
  await naming.uncheck();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(notice(page)).toHaveText("Settings saved: AMI access checked");
  await screenshot(page, "tab-asterisk-routing-en");

  // Back to the dialplan: nothing of this account listens to the simulator once it is gone.
  await page.getByLabel("Where call events come from:").selectOption("DIALPLAN");
  await expect(naming).toHaveCount(0);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(notice(page)).toHaveText("Settings saved: AMI access checked");
  await english.close();
});
