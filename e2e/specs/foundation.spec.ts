import { expect, test } from "@playwright/test";

test("the health endpoint reports the service and its database", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", db: "ok" });
});

test("the start page renders in Chromium, in Russian", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("Asterisk ⇄ retailCRM");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Asterisk ⇄ retailCRM");
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await page.screenshot({ path: "test-results/screenshots/home.png", fullPage: true });
});
