import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import type { SimUser } from "../sim/retailcrm/types";
import { E2E_SECRETS } from "../playwright/server-log";
import { loginOk, screenshot } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(() => crm.close());

test.describe.configure({ mode: "serial" });

const TABS = ["phones", "asterisk", "crm", "api", "calls", "overview"] as const;
const TAB_NAMES = {
  ru: ["Ваши телефоны", "Настройки Asterisk", "Возможности CRM", "API", "Журнал звонков", "Обзор"],
  en: ["Your phones", "Asterisk settings", "CRM features", "API", "Call log", "Overview"],
};

/** Today and the days before it in the cabinet's time zone, as YYYY-MM-DD. */
function moscowDay(back: number): string {
  const noon = new Date(
    `${new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(new Date())}T12:00:00Z`,
  );
  noon.setUTCDate(noon.getUTCDate() - back);
  return noon.toISOString().slice(0, 10);
}

async function clientIdOf(page: Page): Promise<string> {
  await page.goto("/cabinet/api");
  return page.getByLabel("Параметр clientId:").inputValue();
}

/** The value of one series of the scrape, 0 when the series is not there yet. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function scrape(request: APIRequestContext): Promise<string> {
  const answer = await request.get("/api/metrics", {
    headers: { authorization: `Bearer ${E2E_SECRETS.METRICS_TOKEN}` },
  });
  expect(answer.status()).toBe(200);
  return answer.text();
}

test("the guide's address and the root lead to the sign-in, and to the cabinet once signed in", async ({ page }) => {
  for (const address of ["/api/account/", "/api/account"]) {
    await page.goto(address);
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole("heading", { name: "Авторизация в сервисе" })).toBeVisible();
  }
  await page.goto("/");
  await screenshot(page, "root-ru");
  await page.getByRole("link", { name: "Войти" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await loginOk(page, crm.url, DEMO.apiKey);
  await page.goto("/api/account/");
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Войти" })).toHaveCount(0);
  await page.getByRole("link", { name: "Открыть личный кабинет" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
});

test("«Ваши телефоны» with 520 users: search, pages, and rows changed but not saved", async ({ page }) => {
  const team: SimUser[] = Array.from({ length: 520 }, (_, i) => ({
    id: 1000 + i,
    firstName: `Сотрудник${i}`,
    lastName: i === 437 ? "Заречная" : "Менеджеров",
    email: `m${i}@team.example`,
    active: true,
    status: "free",
    online: true,
    isManager: true,
    isAdmin: false,
  }));
  crm.seedUsers(team);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("button", { name: "Обновить список" }).click();
  await expect(page.getByText("Страница 1 из 11")).toBeVisible();
  await expect(page.getByRole("row")).toHaveCount(51);

  await page.getByLabel("Поиск сотрудника").fill("заречная");
  await expect(page.getByRole("status").filter({ hasText: "Найдено: 1 из" })).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: "Заречная" });
  await expect(page.getByRole("row")).toHaveCount(2);
  await row.getByRole("textbox").fill("4437");
  await expect(row.getByText("не сохранено")).toBeVisible();
  await expect(page.getByText("Не сохранено строк: 1")).toBeVisible();

  // The typed number survives a search for someone else and coming back.
  await page.getByLabel("Поиск сотрудника").fill("m12@team");
  await expect(page.getByRole("row").filter({ hasText: "m12@team.example" })).toHaveCount(1);
  await page.getByLabel("Поиск сотрудника").fill("4437");
  await expect(page.getByRole("row")).toHaveCount(1);
  await page.getByLabel("Поиск сотрудника").fill("Заречная");
  await expect(row.getByRole("textbox")).toHaveValue("4437");
  await expect(row.getByText("не сохранено")).toBeVisible();
  await screenshot(page, "phones-search-unsaved");

  await row.getByRole("button", { name: "Сохранить" }).click();
  await expect(row.getByText("Сохранено", { exact: true })).toBeVisible();
  await expect(row.getByText("не сохранено")).toHaveCount(0);
  await expect(page.getByText("Не сохранено строк")).toHaveCount(0);
  await page.getByLabel("Поиск сотрудника").fill("4437");
  await expect(page.getByRole("row").filter({ hasText: "Заречная" })).toHaveCount(1);

  await page.getByLabel("Поиск сотрудника").fill("");
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByText("Страница 2 из 11")).toBeVisible();
  await expect(page.getByRole("row").nth(1)).toContainText("Сотрудник");
});

test("«API»: the admin's Asterisk version and transport, only their snippets, grouped, kept", async ({ page }) => {
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  await expect(page.getByText("Выберите версию Asterisk и транспорт AMI")).toBeVisible();

  await page.getByRole("radio", { name: "16–20 (Macro)" }).check();
  await page.getByRole("radio", { name: "TCP (порт 5038)" }).check();
  await expect(page.getByText("Выберите версию Asterisk и транспорт AMI")).toHaveCount(0);
  const panel = page.getByRole("tabpanel");
  await expect(panel.locator("pre").filter({ hasText: "/etc/asterisk/manager.conf" })).toBeVisible();
  await expect(panel.locator("pre").filter({ hasText: "/etc/asterisk/http.conf" })).toHaveCount(0);
  await expect(page.getByText("В «Настройках Asterisk» выбран транспорт HTTP")).toBeVisible();

  await page.getByRole("tab", { name: "Входящий звонок" }).click();
  await expect(panel.locator("pre").filter({ hasText: "[macro-start-in-call]" })).toBeVisible();
  await expect(panel.locator("pre").filter({ hasText: "Gosub(" })).toHaveCount(0);
  await page.getByRole("tab", { name: "Очередь" }).click();
  await expect(panel.locator("pre").filter({ hasText: "[queue-managers]" })).toBeVisible();
  await page.getByRole("tab", { name: "Исходящий звонок" }).click();
  await expect(panel.locator("pre").filter({ hasText: "[outgoing-call]" })).toBeVisible();
  await page.getByRole("tab", { name: "event.sh" }).click();
  await expect(panel.locator("pre")).toContainText("/data/event.sh?clientId=");
  await expect(panel.getByRole("button", { name: /^Копировать: event\.sh/ })).toBeVisible();
  await screenshot(page, "tab-api-legacy-tcp");

  await page.reload();
  await expect(page.getByRole("radio", { name: "16–20 (Macro)" })).toBeChecked();
  await expect(page.getByRole("radio", { name: "TCP (порт 5038)" })).toBeChecked();
  await page.getByRole("tab", { name: "Входящий звонок" }).click();
  await expect(panel.locator("pre").filter({ hasText: "Macro(" }).first()).toBeVisible();

  await page.getByRole("radio", { name: "21 и новее (Gosub)" }).check();
  await page.getByRole("radio", { name: "HTTP (порт 8088)" }).check();
  await expect(page.getByText("В «Настройках Asterisk» выбран транспорт")).toHaveCount(0);
  await expect(panel.locator("pre").filter({ hasText: "[sub-start-in-call]" })).toBeVisible();
  await expect(panel.locator("pre").filter({ hasText: "Macro(" })).toHaveCount(0);
  await page.getByRole("tab", { name: "AMI" }).click();
  await expect(panel.locator("pre").filter({ hasText: "/etc/asterisk/http.conf" })).toBeVisible();
});

test("«Обзор» from a history of calls, and the metrics an operator scrapes move with the traffic", async ({
  page,
  request,
}) => {
  expect((await request.get("/api/metrics")).status()).toBe(401);
  expect(
    (await request.get("/api/metrics", { headers: { authorization: "Bearer not-the-token-at-all" } })).status(),
  ).toBe(401);
  const before = await scrape(request);

  await loginOk(page, crm.url, DEMO.apiKey);
  const inna = page.getByRole("row").filter({ hasText: /Соколова Инна/ });
  await inna.getByRole("textbox").fill("101");
  await inna.getByRole("button", { name: "Сохранить" }).click();
  await expect(inna.getByText("Сохранено", { exact: true })).toBeVisible();
  const clientId = await clientIdOf(page);

  const manager = (phone: string) =>
    request.get(`/api/manager?${new URLSearchParams({ clientId, phone, type: "json" })}`);
  expect((await manager("+79001234567")).status()).toBe(200);
  expect((await manager("+79001234567")).status()).toBe(200);

  // 12 incoming calls over the last 4 days: every third missed; answered ones are Инна's.
  for (let i = 0; i < 12; i++) {
    const missed = i % 3 === 0;
    const uniqueid = `1900000${i}.1`;
    const common = { clientId, uniqueid, phone: `+7900555${String(i).padStart(4, "0")}` };
    expect((await request.get(`/api/event?${new URLSearchParams({ ...common, type: "in", code: "101" })}`)).ok()).toBe(
      true,
    );
    const hangup = {
      ...common,
      type: "hangup",
      direct: "in",
      status: missed ? "NOANSWER" : "ANSWER",
      date: `${moscowDay(i % 4)} 09:30:00`,
      hold: String(10 + i),
      duration: missed ? "0" : "120",
      ...(missed ? {} : { code: "101" }),
    };
    expect((await request.get(`/api/event?${new URLSearchParams(hangup)}`)).ok()).toBe(true);
  }
  await expect
    .poll(() => crm.state.calls.filter((c) => c.call.externalId?.startsWith("1900000")).length, { timeout: 20_000 })
    .toBe(12);

  await page.getByRole("link", { name: "Обзор" }).click();
  const figure = (name: string) => page.locator(".figures div").filter({ has: page.getByText(name, { exact: true }) });
  await expect(figure("Звонков").locator("dd")).toHaveText("12");
  await expect(figure("Пропущено").locator("dd")).toHaveText("4");
  await expect(figure("Доля пропущенных").locator("dd")).toHaveText(/33,3\s?%/);
  // Waits 10..21 s: the mean is 15.5.
  await expect(figure("Среднее ожидание").locator("dd")).toHaveText("15,5 с");
  await expect(figure("Отправлено").locator("dd")).not.toHaveText("0");
  const managers = page.getByRole("table", { name: "Звонки по менеджерам" });
  await expect(managers.getByRole("row").filter({ hasText: "Соколова Инна" })).toContainText("101");
  await expect(managers.getByRole("row").filter({ hasText: "Соколова Инна" }).getByRole("cell").nth(1)).toHaveText("8");
  const days = page.getByRole("table", { name: "Звонки по дням" });
  await expect(days.getByRole("row")).toHaveCount(8);
  await expect(page.locator(".chart .recharts-surface").first()).toBeVisible();
  await page.getByRole("link", { name: "30 дней" }).click();
  await expect(page).toHaveURL(/days=30/);
  await expect(days.getByRole("row")).toHaveCount(31);
  await expect(figure("Звонков").locator("dd")).toHaveText("12");
  await screenshot(page, "tab-overview-30");

  const after = await scrape(request);
  const moved = (series: string) => sample(after, series) - sample(before, series);
  expect(moved('bridge_http_requests_total{route="/api/event",method="GET",status="200"}')).toBeGreaterThanOrEqual(24);
  expect(moved('bridge_http_requests_total{route="/api/manager",method="GET",status="200"}')).toBe(2);
  expect(moved('bridge_call_events_stored_total{type="hangup",source="dialplan"}')).toBe(12);
  expect(moved('bridge_call_events_stored_total{type="in",source="dialplan"}')).toBe(12);
  expect(moved('bridge_caller_lookups_total{outcome="crm"}')).toBeGreaterThanOrEqual(1);
  expect(moved('bridge_caller_lookups_total{outcome="memory"}')).toBeGreaterThanOrEqual(1);
  const host = new URL(crm.url).host;
  expect(moved(`bridge_crm_answers_total{account="${host}",status="200"}`)).toBeGreaterThan(12);
  expect(moved('bridge_deliveries_total{kind="CALLS_UPLOAD",outcome="sent"}')).toBeGreaterThanOrEqual(12);
  expect(after).toMatch(
    /^bridge_http_request_duration_seconds_bucket\{le="0\.1",route="\/api\/event",method="GET"\} \d+/m,
  );
  expect(sample(after, "bridge_delivery_workers")).toBeGreaterThanOrEqual(1);
  expect(after).toContain('bridge_ami_event_connections{state="up"}');
  expect(after).toContain("bridge_delivery_worker_starts_total 1");
});

test("English: by the browser's language, and by the switch, kept; every tab in both languages", async ({
  browser,
}) => {
  // Twelve full-page screenshots: «Обзор» and «Возможности CRM» grew with the call-back panel
  // and its window; on a loaded two-core machine the whole took 31-33 s.
  test.setTimeout(60_000);
  const english = await browser.newContext({ locale: "en-US" });
  const page = await english.newPage();
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await screenshot(page, "root-en");
  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to the service" })).toBeVisible();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter the CRM address", { exact: true })).toBeVisible();
  await screenshot(page, "login-en");
  await page.getByLabel("CRM address:").fill(crm.url);
  await page.getByLabel("Service API key:").fill(DEMO.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/cabinet\/phones$/);

  for (const locale of ["en", "ru"] as const) {
    for (const [i, tab] of TABS.entries()) {
      await page.getByRole("link", { name: TAB_NAMES[locale][i], exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/cabinet/${tab}`));
      await expect(page.locator("html")).toHaveAttribute("lang", locale);
      await expect(page.getByRole("link", { name: TAB_NAMES[locale][i], exact: true })).toHaveAttribute(
        "aria-current",
        "page",
      );
      await screenshot(page, `tab-${tab}-${locale}`);
    }
    if (locale === "en") {
      await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
      await page.getByRole("link", { name: "API", exact: true }).click();
      await page.getByRole("tab", { name: "Incoming call" }).click();
      await expect(page.getByRole("tabpanel").locator("pre").first()).toContainText("; ");
      expect(await page.getByRole("tabpanel").innerText()).not.toMatch(/[\u0400-\u04FF]/);
      await page.getByLabel("Language").selectOption("ru");
      await expect(page.getByRole("link", { name: "Журнал звонков" })).toBeVisible();
      await page.reload();
      await expect(page.getByRole("link", { name: "Журнал звонков" })).toBeVisible();
    }
  }
  // The kept choice wins over the browser's English on the next visit too.
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Открыть личный кабинет" })).toBeVisible();
  await english.close();
});
