import { expect, test } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, screenshot } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(() => crm.close());

/** Yesterday on the CRM's clock (Moscow): a day of the last 7, whatever the hour of the run. */
function yesterday(): string {
  const noon = new Date(
    `${new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(new Date())}T12:00:00Z`,
  );
  noon.setUTCDate(noon.getUTCDate() - 1);
  return noon.toISOString().slice(0, 10);
}

test("«Обзор» shows the missed calls called back, how fast and by whom, and links those never called back to the journal, in Russian and English", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  const inna = page.getByRole("row").filter({ hasText: /Соколова Инна/ });
  await inna.getByRole("textbox").fill("101");
  await inna.getByRole("button", { name: "Сохранить" }).click();
  await expect(inna.getByText("Сохранено", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();
  const day = yesterday();
  let n = 0;
  const hangup = async (params: Record<string, string>) => {
    const uniqueid = `1950000000.${++n}`;
    const response = await request.get(
      `/api/event?${new URLSearchParams({ clientId, type: "hangup", uniqueid, ...params })}`,
    );
    expect(response.ok()).toBe(true);
    return uniqueid;
  };
  // Missed at 09:00 (rang 20 s); called back by 101 from 09:04: after 4 minutes.
  await hangup({
    phone: "89001234567",
    status: "NOANSWER",
    direct: "in",
    date: `${day} 09:00:00`,
    hold: "20",
    duration: "0",
  });
  await hangup({
    phone: "+7 900 123-45-67",
    status: "ANSWER",
    direct: "out",
    code: "101",
    date: `${day} 09:04:40`,
    hold: "5",
    duration: "35",
  });
  // Missed at 09:10; the caller got through to 101 at 09:39: after 29 minutes.
  await hangup({
    phone: "89005550001",
    status: "BUSY",
    direct: "in",
    date: `${day} 09:10:00`,
    hold: "10",
    duration: "0",
  });
  await hangup({
    phone: "89005550001",
    status: "ANSWER",
    direct: "in",
    code: "101",
    date: `${day} 09:40:00`,
    hold: "0",
    duration: "60",
  });
  // Missed at 09:20, never called back.
  await hangup({
    phone: "89005550002",
    status: "NOANSWER",
    direct: "in",
    date: `${day} 09:20:00`,
    hold: "15",
    duration: "0",
  });

  await page.getByRole("link", { name: "Обзор" }).click();
  const panel = page.getByTestId("call-backs");
  const figure = (name: string) => panel.locator(".figures div").filter({ has: page.getByText(name, { exact: true }) });
  await expect(figure("Пропущенных").locator("dd")).toHaveText("3");
  await expect(figure("Перезвонили").locator("dd")).toHaveText("2");
  await expect(figure("Перезвонили за 5 мин").locator("dd")).toHaveText(/33,3\s?%/);
  await expect(figure("Перезвонили за 15 мин").locator("dd")).toHaveText(/33,3\s?%/);
  await expect(figure("Перезвонили за 60 мин").locator("dd")).toHaveText(/66,7\s?%/);
  // (4 + 29) / 2 minutes.
  await expect(figure("Медиана времени до перезвона").locator("dd")).toHaveText("16,5 мин");
  const managers = panel.getByRole("table", { name: "Кто перезванивал" });
  await expect(managers.getByRole("row").filter({ hasText: "Соколова Инна" })).toContainText("101");
  await expect(managers.getByRole("row").filter({ hasText: "Соколова Инна" }).getByRole("cell").nth(1)).toHaveText("2");
  const never = panel.getByRole("table", { name: "Не перезвонили (1)" });
  await expect(never.getByRole("row")).toHaveCount(2);
  await expect(never).toContainText("89005550002");
  await screenshot(page, "overview-call-backs-ru");

  await never.getByRole("link", { name: `${day} 09:19:45` }).click();
  await expect(page).toHaveURL(/\/cabinet\/calls\?call=\d+#call-\d+$/);
  const target = page.locator("tr.call-target");
  await expect(target).toContainText("89005550002");
  await expect(page.locator("tr.call-target")).toHaveCount(1);
  // The first missed call, in either language.
  const calledBack = page.locator('tr[data-uniqueid="1950000000.1"]');
  await expect(calledBack.locator(".called-back")).toContainText("перезвонили через 4 мин");
  await expect(calledBack.locator(".called-back")).toContainText("Соколова Инна, 101");
  await screenshot(page, "journal-called-back-ru");

  await page.getByLabel("Язык").selectOption("en");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(calledBack.locator(".called-back")).toContainText("called back after 4 min");
  await screenshot(page, "journal-called-back-en");
  await page.getByRole("link", { name: "Overview", exact: true }).click();
  await expect(figure("Called back within 60 min").locator("dd")).toHaveText(/66\.7\s?%/);
  await expect(figure("Median time to call back").locator("dd")).toHaveText("16.5 min");
  await expect(panel.getByRole("table", { name: "Not called back (1)" })).toContainText("89005550002");
  await screenshot(page, "overview-call-backs-en");
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
});
