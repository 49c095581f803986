import { expect, test } from "@playwright/test";
import { hearVoices, voicedWav } from "../fixtures/speech";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { createSpeechSim, type SpeechSim } from "../sim/speech";
import { loginOk, screenshot } from "./support";

// «Расшифровка звонков» (docs/transcripts.md): switched on in «Возможности CRM» against the
// OpenAI-compatible simulator, a stereo call uploaded as the dialplan does, its transcript in the
// journal in Russian and in English, and the note in the CRM; a long call's note links to its
// whole transcript, which opens without a session.
let crm: RetailCrmSim;
let speech: SpeechSim;

const CUSTOMER = 300;
const MANAGER = 700;
// A customer who says more than a note holds.
const TALKER = 500;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  speech = await createSpeechSim({
    openAiKey: "sk-e2e-transcripts",
    hear: hearVoices({
      [CUSTOMER]: [{ startMs: 1_000, endMs: 2_500, text: "Где мой заказ?" }],
      [MANAGER]: [{ startMs: 3_000, endMs: 5_000, text: "Отправили вчера, трек пришлю смс" }],
      [TALKER]: Array.from({ length: 80 }, (_, i) => ({
        startMs: i * 50,
        endMs: i * 50 + 40,
        text: `Фраза ${i}: рассказываю о заказе во всех подробностях`,
      })),
    }),
    summarise: () => "Клиент спросил о заказе; обещан трек-номер по смс.",
  });
});
test.afterAll(async () => {
  await Promise.all([crm.close(), speech.close()]);
});

test("a stereo call's transcript and summary show in the journal in both languages and reach the CRM", async ({
  page,
  request,
  browser,
}) => {
  test.setTimeout(120_000);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "Возможности CRM" }).click();
  const form = page.locator("form#transcripts");
  await form.getByLabel("Расшифровывать звонки").check();
  await form.getByLabel("Адрес сервиса (до /v1 включительно)").fill(`${speech.url}/v1`);
  await form.getByLabel("API-ключ").first().fill("sk-e2e-transcripts");
  await form.getByLabel("Краткое содержание разговора").check();
  await form.getByLabel("Адрес сервиса краткого содержания").fill(`${speech.url}/v1`);
  await form.getByLabel("API-ключ").nth(1).fill("sk-e2e-transcripts");
  await form.getByRole("button", { name: "Проверить" }).click();
  await expect(form.locator(".alert")).toContainText("Сервис ответил за");
  await form.getByRole("button", { name: "Сохранить" }).click();
  await expect(form.locator(".alert")).toContainText("Сохранено: новые записи будут расшифровываться.");
  await screenshot(page, "crm-transcripts");

  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();
  const uniqueid = "1800000100.1";
  const hangup = await request.get(
    `/api/event?${new URLSearchParams({
      clientId,
      type: "hangup",
      uniqueid,
      phone: "+7 (900) 123-45-67",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-12-06 12:00:00",
      duration: "6",
    })}`,
  );
  expect(hangup.status()).toBe(200);
  const upload = await request.post(`/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    multipart: { file: { name: "rec.wav", mimeType: "audio/wav", buffer: voicedWav([CUSTOMER, MANAGER], 6) } },
  });
  expect(upload.status()).toBe(200);

  // Through the MP3 copy the service keeps, the worker beside the server, the engine and the lane.
  await expect.poll(() => crm.state.notes.size, { timeout: 60_000 }).toBe(1);
  const note = [...crm.state.notes.values()][0]!;
  expect(note.customer.id).toBe(101);
  expect(note.text).toContain("[0:01] Клиент: Где мой заказ?");
  expect(note.text).toContain("[0:03] Менеджер: Отправили вчера, трек пришлю смс");

  await page.getByRole("link", { name: "Журнал звонков" }).click();
  const row = page.locator(`tr[data-uniqueid="${uniqueid}"]`);
  await row.getByText("Расшифровка", { exact: true }).click();
  await expect(row.locator(".transcript")).toContainText("Кратко: Клиент спросил о заказе");
  await expect(row.locator(".transcript-lines")).toContainText("[0:01] Клиент: Где мой заказ?");
  await expect(row.locator(".transcript-lines")).toContainText("[0:03] Менеджер: Отправили вчера");
  await screenshot(page, "tab-calls-transcript");

  // The journal in English: the same lines, the speakers named in the admin's language.
  await page.locator(".locale-switch select").selectOption("en");
  await expect(row.locator(".transcript summary")).toHaveText("Transcript");
  await expect(row.locator(".transcript")).toContainText("In short: Клиент спросил о заказе");
  await expect(row.locator(".transcript-lines")).toContainText("[0:01] Customer: Где мой заказ?");
  await expect(row.locator(".transcript-lines")).toContainText("[0:03] Manager: Отправили вчера");
  await page.locator(".locale-switch select").selectOption("ru");

  // A call longer than a note holds: the note ends with the link to the whole, which opens without
  // a session in the account's language; a link with another signature is not found.
  const long = "1800000100.2";
  const longHangup = await request.get(
    `/api/event?${new URLSearchParams({
      clientId,
      type: "hangup",
      uniqueid: long,
      phone: "+7 (900) 123-45-67",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-12-06 12:10:30",
      duration: "6",
    })}`,
  );
  expect(longHangup.status()).toBe(200);
  const longUpload = await request.post(
    `/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid: long })}`,
    {
      multipart: { file: { name: "rec.wav", mimeType: "audio/wav", buffer: voicedWav([TALKER, MANAGER], 6) } },
    },
  );
  expect(longUpload.status()).toBe(200);
  await expect.poll(() => crm.state.notes.size, { timeout: 60_000 }).toBe(2);
  const longNote = [...crm.state.notes.values()][1]!;
  const link = /… Полная расшифровка: (\S+)$/.exec(longNote.text)?.[1];
  expect(link).toMatch(/\/transcripts\/c\d+\/[A-Za-z0-9_-]{32}$/);
  expect(longNote.text).not.toContain("Фраза 79:");

  const anonymous = await browser.newContext();
  const reader = await anonymous.newPage();
  await reader.goto(link!);
  await expect(reader.getByRole("heading", { level: 1 })).toHaveText("Звонок 2026-12-06 12:10: расшифровка");
  await expect(reader.locator("main")).toContainText("Клиент спросил о заказе; обещан трек-номер по смс.");
  await expect(reader.locator(".transcript-lines li")).toHaveCount(81);
  await expect(reader.locator(".transcript-lines")).toContainText(
    "[0:03] Клиент: Фраза 79: рассказываю о заказе во всех подробностях",
  );
  await expect(reader.locator(".transcript-lines")).toContainText("[0:03] Менеджер: Отправили вчера, трек пришлю смс");
  await screenshot(reader, "transcript-page");
  const sig = link!.slice(-32);
  const tampered = `${link!.slice(0, -32)}${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
  expect((await reader.goto(tampered))?.status()).toBe(404);
  await expect(reader.getByRole("heading", { level: 1 })).toHaveText("Страница не найдена");
  await screenshot(reader, "transcript-not-found");
  await anonymous.close();
});
