import { expect, test, type Page } from "@playwright/test";
import { createAsteriskSim, type AsteriskSim } from "../sim/asterisk";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { AMI_USER, loginOk, logout, markDocument, MARKETPLACE_SECRET, notice, screenshot } from "./support";

let crm: RetailCrmSim;
let asterisk: AsteriskSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  asterisk = await createAsteriskSim({ tcpPort: 0, httpPort: 0, users: [AMI_USER], loginFailDelayMs: 200 });
});
test.afterAll(async () => {
  await crm.close();
  await asterisk.close();
});

function row(page: Page, name: RegExp) {
  return page.getByRole("row").filter({ hasText: name });
}

test.describe.configure({ mode: "serial" });

test("«Ваши телефоны»: every CRM user, per-row save with checks, then «Сохранить настройки» pushes the codes", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await expect(page.getByRole("row")).toHaveCount(DEMO.users.length + 1);
  const moduleCode = [...crm.state.modules.keys()].at(-1)!;

  const inna = row(page, /Соколова Инна/);
  await inna.getByRole("textbox").fill("02");
  await inna.getByRole("button", { name: "Сохранить" }).click();
  await expect(inna.getByText("Сохранено", { exact: true })).toBeVisible();

  const alexandra = row(page, /Петрова Александра/);
  await alexandra.getByRole("textbox").fill("0a");
  await alexandra.getByRole("button", { name: "Сохранить" }).click();
  await expect(alexandra.getByRole("alert")).toHaveText("Только цифры, не больше 10");
  await alexandra.getByRole("textbox").fill("02");
  await alexandra.getByRole("button", { name: "Сохранить" }).click();
  await expect(alexandra.getByRole("alert")).toHaveText("Этот номер уже назначен сотруднику Соколова Инна Сергеевна");
  await alexandra.getByRole("textbox").fill("03");
  await alexandra.getByRole("textbox").press("Enter");
  await expect(alexandra.getByText("Сохранено", { exact: true })).toBeVisible();

  expect(crm.state.modules.get(moduleCode)?.integrations?.telephony?.additionalCodes).toEqual([]);
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page).filter({ hasText: "Настройки сохранены в CRM" })).toBeVisible();
  expect(crm.state.modules.get(moduleCode)?.integrations?.telephony?.additionalCodes).toEqual(
    expect.arrayContaining([
      { userId: 3, code: "02" },
      { userId: 4, code: "03" },
    ]),
  );

  await page.reload();
  await expect(row(page, /Соколова Инна/).getByRole("textbox")).toHaveValue("02");
  await screenshot(page, "tab-phones");
});

test("«Ваши телефоны» shows a CRM that is down, and the refresh button recovers", async ({ page }) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  crm.setOutage("http502");
  await page.getByRole("button", { name: "Обновить список" }).click();
  await expect(notice(page)).toHaveText("CRM временно недоступна (HTTP 502): попробуйте позже");
  crm.setOutage("none");
  await page.getByRole("button", { name: "Обновить список" }).click();
  await expect(notice(page)).toHaveCount(0);
});

test("«Настройки Asterisk»: defaults of the guide, saving checks AMI first, the password never comes back", async ({
  page,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Настройки Asterisk" }).click();
  await expect(page.getByLabel("Контекст и приоритет исходящих звонков:")).toHaveValue("default,1");
  await expect(page.getByLabel("CallerID(name) звонка менеджеру:")).toHaveValue("CRM");
  await expect(page.getByLabel("Имя / адрес AMI сервера:")).toHaveValue("127.0.0.1");
  await expect(page.getByLabel("Порт AMI:")).toHaveValue("8088");
  await expect(page.getByLabel("Логин AMI:")).toHaveValue("asterisk");

  await page.getByLabel("Контекст и приоритет исходящих звонков:").fill("from internal,1");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(
    page.locator(".field-error", {
      hasText: "Укажите наименование контекста и приоритета через запятую: context[,priority]",
    }),
  ).toBeVisible();
  await page.getByLabel("Контекст и приоритет исходящих звонков:").fill("from-internal,1");

  await page.getByLabel("Порт AMI:").fill(String(asterisk.httpPort));
  await page.getByLabel("Логин AMI:").fill(AMI_USER.username);
  await page.getByLabel("Пароль AMI:").fill("wrong");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toContainText("Нет доступа до AMI: проверьте адрес, порт, логин или пароль");
  await page.reload();
  await expect(page.getByLabel("Логин AMI:")).toHaveValue("asterisk");

  await page.getByLabel("Контекст и приоритет исходящих звонков:").fill("from-internal,1");
  await page.getByLabel("Порт AMI:").fill(String(asterisk.httpPort));
  await page.getByLabel("Логин AMI:").fill(AMI_USER.username);
  await page.getByLabel("Пароль AMI:").fill(AMI_USER.secret);
  await page.getByRole("button", { name: "Проверить подключение" }).click();
  await expect(notice(page)).toHaveText("Подключение к AMI работает");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText("Настройки сохранены: доступ к AMI проверен");

  await page.reload();
  await expect(page.getByLabel("Логин AMI:")).toHaveValue(AMI_USER.username);
  await expect(page.getByLabel("Пароль AMI:")).toHaveValue("");
  expect(await page.content()).not.toContain(AMI_USER.secret);

  // Another transport and port: the stored password is not sent there until it is typed again.
  await page.getByLabel("Способ подключения к AMI:").selectOption("TCP");
  await page.getByLabel("Порт AMI:").fill(String(asterisk.tcpPort));
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText(
    "Введите пароль AMI заново: сохранённый пароль используется только с прежними адресом, портами, логином и протоколом",
  );
  expect(asterisk.actions.filter((a) => a.transport === "tcp")).toEqual([]);
  await page.getByLabel("Пароль AMI:").fill(AMI_USER.secret);
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText("Настройки сохранены: доступ к AMI проверен");
  expect(asterisk.actions.filter((a) => a.transport === "tcp").map((a) => a.action.toLowerCase())).toEqual(
    expect.arrayContaining(["login", "ping", "logoff"]),
  );
  await screenshot(page, "tab-asterisk");
});

test("«Настройки Asterisk»: call events from AMI, the event connection's state kept current, the «API» tab's filters", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Настройки Asterisk" }).click();
  await expect(page.getByLabel("Откуда брать события звонков:")).toHaveValue("DIALPLAN");
  await expect(page.getByLabel("Контексты входящих звонков:")).toHaveCount(0);

  await page.getByLabel("Откуда брать события звонков:").selectOption("AMI");
  await expect(page.getByLabel("Контексты входящих звонков:")).toHaveValue("from-trunk");
  await page.getByLabel("Контексты входящих звонков:").fill("from trunk");
  await page.getByLabel("Порт AMI (TCP) для событий:").fill(String(asterisk.tcpPort));
  await page.getByLabel("Пароль AMI:").fill(AMI_USER.secret);
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(
    page.locator(".field-error", { hasText: "Названия контекстов через запятую, например from-trunk, from-pstn" }),
  ).toBeVisible();
  await page.getByLabel("Контексты входящих звонков:").fill("from-trunk, from-pstn");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText("Настройки сохранены: доступ к AMI проверен");

  // The service's holder connects within a beat or two; the tab reads the state again every 5 s.
  const sameDocument = await markDocument(page);
  const connection = page.getByTestId("event-connection");
  await expect(connection).toContainText("Подключено к событиям AMI с", { timeout: 20_000 });
  // The PBX drops the connection and refuses new ones: the tab says so, then that it is back.
  asterisk.setMode("refuse");
  asterisk.dropConnections();
  await expect(connection).not.toContainText("Подключено", { timeout: 20_000 });
  asterisk.setMode("normal");
  await expect(connection).toContainText("Подключено к событиям AMI с", { timeout: 40_000 });
  expect(await sameDocument()).toBe(true);
  await page.reload();
  await expect(page.getByLabel("Контексты входящих звонков:")).toHaveValue("from-trunk, from-pstn");
  expect(asterisk.tcpConnections).toBeGreaterThan(0);
  await screenshot(page, "tab-asterisk-ami");

  await page.getByRole("link", { name: "API" }).click();
  const managerConf = page.locator("pre").filter({ hasText: "/etc/asterisk/manager.conf" });
  await expect(managerConf).toContainText("read = call,agent,dialplan");
  await expect(managerConf).toContainText("eventfilter = ^Event: (Newchannel|DialBegin");
  await expect(page.locator("pre").filter({ hasText: "cdr-sync.sh" }).first()).toBeVisible();

  // Back to the dialplan: the connection goes away.
  await page.getByRole("link", { name: "Настройки Asterisk" }).click();
  await page.getByLabel("Откуда брать события звонков:").selectOption("DIALPLAN");
  await page.getByRole("button", { name: "Сохранить настройки" }).click();
  await expect(notice(page)).toHaveText("Настройки сохранены: доступ к AMI проверен");
  await expect.poll(() => asterisk.tcpConnections, { timeout: 15_000 }).toBe(0);
});

test("«API»: the clientId with copy and rotation, and snippets made for this account", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  const field = page.getByLabel("Параметр clientId:");
  const before = await field.inputValue();
  expect(before).toMatch(/^[0-9a-f]{64}$/);
  await expect(
    page
      .locator("pre")
      .filter({ hasText: `clientId=${before}` })
      .first(),
  ).toBeVisible();

  await page.getByRole("button", { name: "Копировать clientId" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(before);

  await page.getByRole("button", { name: "Заменить clientId" }).click();
  await page.getByRole("button", { name: "Отмена" }).click();
  await expect(field).toHaveValue(before);
  await page.getByRole("button", { name: "Заменить clientId" }).click();
  await page.getByRole("button", { name: "Да, заменить" }).click();
  await expect(notice(page).filter({ hasText: "clientId заменён" })).toBeVisible();
  await expect(field).not.toHaveValue(before);
  const after = await field.inputValue();
  const moduleCode = [...crm.state.modules.keys()].at(-1)!;
  expect(crm.state.modules.get(moduleCode)?.clientId).toBe(after);

  const old = await crm.openAccountUrl({ clientId: before, moduleCode });
  expect(old.status).toBe(303);
  await screenshot(page, "tab-api");
});

test("accountUrl from the CRM opens the cabinet of that account; an unknown clientId gets the login page", async ({
  page,
  baseURL,
}) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();
  await logout(page);

  const moduleOf = () => [...crm.state.modules.values()].find((m) => m.clientId === clientId)!;
  const link = moduleOf().accountUrl!;
  expect(link).toMatch(new RegExp(`^${baseURL}/account\\?token=[\\w-]{20,}$`));
  const openLink = (action: string) =>
    page.setContent(
      `<form method="post" action="${action}"><input name="clientId" value="${clientId}"><button>go</button></form>`,
    );
  await openLink(link);
  await page.getByRole("button", { name: "go" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await expect(page.getByText(`${crm.url}/`)).toBeVisible();
  expect(moduleOf().accountUrl).not.toBe(link);

  // A link already used (or one built from the clientId alone) signs nobody in: no login CSRF.
  await logout(page);
  for (const action of [link, `${baseURL}/account`]) {
    await openLink(action);
    await page.getByRole("button", { name: "go" }).click();
    await expect(page).toHaveURL(/\/login\?error=stale-link$/);
  }
  await expect(notice(page)).toContainText("Ссылка на кабинет уже использована или устарела");

  await page.goto(`/account?clientId=${"0".repeat(64)}`);
  await expect(page).toHaveURL(/\/login\?error=unknown-client$/);
  await expect(notice(page)).toHaveText("Модуль с таким clientId не найден: войдите по адресу CRM и API ключу");
});

test("marketplace «Подключить» registers the account and «Перейти в личный кабинет» opens it", async ({
  page,
  baseURL,
}) => {
  const shop = await createRetailCrmSim();
  seedDemo(shop);
  try {
    const result = await shop.simpleConnect({
      configUrl: `${baseURL}/api/crm/config`,
      secret: MARKETPLACE_SECRET,
      apiKey: DEMO.apiKey,
      systemUrl: shop.url,
    });
    const [moduleCode, module] = [...shop.state.modules.entries()][0]!;
    expect(result.register?.json).toEqual({ success: true, accountUrl: module.accountUrl });
    expect(module.accountUrl).toMatch(new RegExp(`^${baseURL}/account\\?token=`));
    await page.goto(`${module.accountUrl}&clientId=${module.clientId}`);
    await expect(page).toHaveURL(/\/cabinet\/phones$/);
    await expect(page.getByText(`${shop.url}/`)).toBeVisible();
    await expect(page.getByRole("row")).toHaveCount(DEMO.users.length + 1);

    await shop.fireActivity({ active: false, freeze: false, moduleCode });
    await page.reload();
    await expect(notice(page).filter({ hasText: "Модуль отключён в retailCRM" })).toBeVisible();
  } finally {
    await shop.close();
  }
});

test("a signed-in admin sees only their own account's data", async ({ page }) => {
  const other = await createRetailCrmSim();
  seedDemo(other);
  other.seedUsers([
    {
      id: 777,
      firstName: "Чужой",
      lastName: "Сотрудник",
      email: "alien@x.ru",
      active: true,
      status: "free",
      online: true,
      isManager: true,
      isAdmin: false,
    },
  ]);
  try {
    await loginOk(page, other.url, DEMO.apiKey);
    await expect(row(page, /Сотрудник Чужой/)).toHaveCount(1);
    await logout(page);
    await loginOk(page, crm.url, DEMO.apiKey);
    await expect(page.getByRole("row").first()).toBeVisible();
    await expect(row(page, /Сотрудник Чужой/)).toHaveCount(0);
    await expect(page.getByRole("row")).toHaveCount(DEMO.users.length + 1);
    expect(await page.content()).not.toContain("alien@x.ru");
  } finally {
    await other.close();
  }
});
