// The defences of docs/security.md against the production server: sessions that end with what
// granted them, pages nobody can frame, and bodies far beyond every limit that leave the
// server's memory where it was.
import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { pcmWav } from "../fixtures/audio";
import { listenerPid, rssMiB } from "../setup/proc";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../sim/retailcrm";
import { loginOk, notice } from "./support";

let crm: RetailCrmSim;

test.beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
});
test.afterAll(() => crm.close());

test.describe.configure({ mode: "serial" });

test("a session ends when the clientId is replaced in another browser, and gets no event.sh with the new one", async ({
  browser,
}) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const stale = await first.newPage();
    const admin = await second.newPage();
    await loginOk(stale, crm.url, DEMO.apiKey);
    await loginOk(admin, crm.url, DEMO.apiKey);

    await admin.getByRole("link", { name: "API" }).click();
    const field = admin.getByLabel("Параметр clientId:");
    const before = await field.inputValue();
    await admin.getByRole("button", { name: "Заменить clientId" }).click();
    await admin.getByRole("button", { name: "Да, заменить" }).click();
    await expect(notice(admin).filter({ hasText: "clientId заменён" })).toBeVisible();
    await expect(field).not.toHaveValue(before);
    const after = await field.inputValue();

    // The admin who replaced it stays signed in; the other session is over on its next request.
    await admin.reload();
    await expect(admin.getByLabel("Параметр clientId:")).toHaveValue(after);
    await stale.reload();
    await expect(stale).toHaveURL(/\/login\?error=session-rotated$/);
    await expect(notice(stale)).toHaveText("clientId аккаунта заменён: войдите снова");
    const script = await (await stale.request.get("/data/event.sh")).text();
    expect(script).toContain("#!/");
    expect(script).not.toContain(after);
    expect(script).not.toContain(before);
  } finally {
    await first.close();
    await second.close();
  }
});

test("no page of the service can be framed by another site", async ({ page, baseURL }) => {
  const login = await page.request.get("/login");
  expect(login.headers()).toMatchObject({
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
  // A page of the CRM simulator, which sends no such headers, is the control: it does load framed.
  await page.setContent(
    `<iframe id="crm" src="${crm.url}/"></iframe><iframe id="bridge" src="${baseURL}/login"></iframe>`,
  );
  await expect
    .poll(() => page.frames().find((f) => f.url().startsWith(crm.url)) !== undefined, { timeout: 5_000 })
    .toBe(true);
  await expect(page.frameLocator("#bridge").getByRole("button", { name: "Вход" })).toHaveCount(0);
  await expect.poll(() => page.frames().map((f) => f.url())).toContain("chrome-error://chromewebdata/");
});

test("a sign-in with a callbackUrl that is no URL signs in and stays on the service", async ({ page, baseURL }) => {
  const { csrfToken } = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  for (const callbackUrl of ["http://[::1", "https://evil.example/cabinet", "//evil.example", "::::"]) {
    const reply = await page.request.post("/api/auth/callback/crm", {
      form: { csrfToken, crmUrl: crm.url, apiKey: DEMO.apiKey, callbackUrl, json: "true" },
      maxRedirects: 0,
    });
    expect(reply.status(), callbackUrl).toBe(200);
    const { url } = (await reply.json()) as { url: string };
    expect(url === baseURL || url.startsWith(`${baseURL}/`), `${callbackUrl} → ${url}`).toBe(true);
  }
  await page.goto("/cabinet/phones");
  await expect(page).toHaveURL(/\/cabinet\/phones$/);
});

/**
 * Sends `total` bytes of `chunk` in a chunked POST (no Content-Length), going on after the
 * answer as a hostile client would, until the server closes or all is sent.
 */
function flood(
  port: number,
  path: string,
  contentType: string,
  total: number,
  head: Uint8Array = new Uint8Array(0),
): Promise<{ status?: number; sentAtAnswer: number; sent: number }> {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  return new Promise((resolve) => {
    const request = httpRequest({
      host: "127.0.0.1",
      localAddress: "127.0.0.60",
      port,
      path,
      method: "POST",
      headers: { "Content-Type": contentType, "Transfer-Encoding": "chunked" },
    });
    let sent = 0;
    let status: number | undefined;
    let sentAtAnswer = 0;
    request.on("response", (response) => {
      status = response.statusCode;
      sentAtAnswer = sent;
      response.resume();
    });
    request.on("error", () => undefined);
    request.on("close", () => resolve({ status, sentAtAnswer, sent }));
    const write = () => {
      while (sent < total && !request.destroyed) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", write);
          return;
        }
      }
      request.end();
    };
    request.write(head);
    write();
  });
}

/** The server's resident memory sampled while `work` runs: its level before, and the most seen. */
async function memoryDuring<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; before: number; peak: number }> {
  const before = rssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 10);
  try {
    const result = await work();
    peak = Math.max(peak, rssMiB(pid));
    return { result, before, peak };
  } finally {
    clearInterval(sampler);
  }
}

// Far less than the 1.5 GB such bodies cost when they were buffered: young-generation garbage and
// socket buffers, not the body.
const MEMORY_MARGIN_MIB = 96;

test("bodies far beyond the limits get a prompt 413 and leave the server's memory where it was", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const port = Number(new URL(baseURL!).port);
  const pid = listenerPid(port);
  await loginOk(page, crm.url, DEMO.apiKey);
  await page.getByRole("link", { name: "API" }).click();
  const clientId = await page.getByLabel("Параметр clientId:").inputValue();

  // A real WAV header, so that the upload is refused for its size and nothing else.
  const wavHeader = pcmWav(8000, 0.01).subarray(0, 44);
  const boundary = "xX-bridge-boundary";
  const filePart = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="rec.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    ),
    wavHeader,
  ]);
  // The call ended first, as event.sh reports it: a recording is taken only for a call the account has.
  const hangup = { clientId, type: "hangup", uniqueid: "1800000009.1", phone: "+79001234567" };
  expect((await page.request.get(`/api/event?${new URLSearchParams(hangup)}`)).status()).toBe(200);
  const upload = `/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid: "1800000009.1" })}`;
  const floods = [
    { what: "500 MB of parameters to /api/event", path: "/api/event", type: "application/x-www-form-urlencoded" },
    { what: "500 MB of parameters to /api/crm/activity", path: "/api/crm/activity", type: "multipart/form-data" },
    { what: "800 MB multipart recording", path: upload, type: `multipart/form-data; boundary=${boundary}` },
    { what: "800 MB raw recording", path: upload, type: "audio/wav" },
  ];
  for (const { what, path, type } of floods) {
    const total = (what.startsWith("800") ? 800 : 500) * 1024 * 1024;
    const head = type.includes(boundary) ? filePart : type === "audio/wav" ? wavHeader : Buffer.alloc(0);
    const { result, before, peak } = await memoryDuring(pid, () => flood(port, path, type, total, head));
    test.info().annotations.push({
      type: "memory",
      description: `${what}: ${Math.round(result.sent / 2 ** 20)} MiB sent, 413 after ${Math.round(result.sentAtAnswer / 2 ** 20)} MiB, RSS ${Math.round(before)} → peak ${Math.round(peak)} MiB`,
    });
    expect(result.status, what).toBe(413);
    // The answer comes as the limit is passed (socket buffers hold a few MiB more), not at the end.
    expect(result.sentAtAnswer, what).toBeLessThan(32 * 1024 * 1024);
    expect(peak - before, what).toBeLessThan(MEMORY_MARGIN_MIB);
  }
  expect((await page.request.get("/api/health")).status()).toBe(200);
  // The recordings that went nowhere left the call without one.
  await page.getByRole("link", { name: "Журнал звонков" }).click();
  await expect(page.getByRole("heading", { name: "Журнал звонков" })).toBeVisible();
  await expect(page.locator('tr[data-uniqueid="1800000009.1"]')).toHaveCount(1);
  await expect(page.locator('tr[data-uniqueid="1800000009.1"] audio')).toHaveCount(0);
});
