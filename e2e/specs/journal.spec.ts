import { expect, test } from "@playwright/test";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, markDocument, notice, screenshot } from "./support";
import { pcmWav } from "../fixtures/audio";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(() => crm.close());

test("«Журнал звонков» lists calls with their CRM delivery, plays the recording and retries a refused request, all without a reload", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();
  const event = (params: Record<string, string>) =>
    request.get(`/api/event?${new URLSearchParams({ clientId, ...params })}`);

  expect((await event({ type: "in", uniqueid: "1800000000.1", phone: "+79001234567", code: "101" })).status()).toBe(
    200,
  );
  const upload = await request.post(
    `/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid: "1800000000.1" })}`,
    {
      multipart: { file: { name: "rec.wav", mimeType: "audio/wav", buffer: pcmWav(8000, 1) } },
    },
  );
  expect(upload.status()).toBe(200);
  await event({
    type: "hangup",
    uniqueid: "1800000000.1",
    phone: "+79001234567",
    code: "101",
    status: "ANSWER",
    direct: "in",
    date: "2026-11-23 15:00:00",
    hold: "5",
    duration: "61",
  });

  await expect
    .poll(() => crm.state.calls.filter((c) => c.call.externalId === "1800000000.1").length, { timeout: 20_000 })
    .toBe(1);
  crm.failNext(1, {
    status: 400,
    pathPrefix: "/api/v5/telephony/calls/upload",
    body: { success: false, errorMsg: "Errors in the entity format" },
  });
  await event({
    type: "hangup",
    uniqueid: "1800000000.2",
    phone: "89001234568",
    code: "102",
    status: "BUSY",
    direct: "out",
    date: "2026-11-23 15:05:00",
  });

  await page.getByRole("link", { name: "Журнал звонков" }).click();
  const answered = page.locator('tr[data-uniqueid="1800000000.1"]');
  await expect(answered).toContainText("Входящий");
  const sameDocument = await markDocument(page);
  await expect(answered).toContainText("отвечен");
  await expect(answered).toContainText("1:01");
  await expect(answered.getByLabel("Запись звонка 1800000000.1")).toBeVisible();
  // The journal reads itself again every 10 s: deliveries settle on the page as they do in the queue.
  await expect(answered.locator(".delivery-sent")).toHaveCount(3, { timeout: 25_000 });

  const refused = page.locator('tr[data-uniqueid="1800000000.2"]');
  await expect(refused.locator(".delivery-failed")).toContainText("Errors in the entity format", { timeout: 25_000 });
  await screenshot(page, "tab-calls");
  await refused.getByRole("button", { name: "Повторить" }).click();
  // «Повторить» reads the journal again at once, well before the next 10 s read.
  await expect(refused.locator(".delivery-failed")).toHaveCount(0, { timeout: 5_000 });
  await expect(refused.locator(".delivery-sent")).toHaveCount(2, { timeout: 25_000 });
  expect(crm.state.calls.filter((c) => c.call.externalId === "1800000000.2")).toHaveLength(1);

  // A call stored while the journal is open shows up in it.
  const later = page.locator('tr[data-uniqueid="1800000000.3"]');
  await expect(later).toHaveCount(0);
  await event({ type: "in", uniqueid: "1800000000.3", phone: "+79001234569", code: "101" });
  await expect(later).toContainText("Входящий", { timeout: 25_000 });
  await expect(page.getByText("Всего звонков: 3")).toBeVisible();
  expect(await sameDocument()).toBe(true);
});

test("an open journal whose session ended says so and stops reading itself", async ({ page, context }) => {
  test.setTimeout(60_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Журнал звонков" }).click();
  await expect(page.getByText(/Всего звонков/)).toBeVisible();
  const reads: number[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/cabinet/calls") reads.push(response.status());
  });
  // Signed out elsewhere (another tab, the cookie gone): the next read, within 10 s, finds out.
  await context.clearCookies();
  const ended = notice(page).filter({ hasText: "Сессия истекла: войдите снова" });
  await expect(ended).toBeVisible({ timeout: 15_000 });
  await expect(ended.getByRole("link", { name: "войдите снова" })).toHaveAttribute("href", "/login");
  expect(reads.at(-1)).toBe(401);
  const readsWhenEnded = reads.length;
  await screenshot(page, "session-ended");
  // Past the next 10 s read: none was made.
  await page.waitForTimeout(12_000);
  expect(reads).toHaveLength(readsWhenEnded);
});
