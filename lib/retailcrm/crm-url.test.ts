import { describe, expect, it } from "vitest";
import { crmHost, normalizeCrmUrl } from "./crm-url";

describe("normalizeCrmUrl", () => {
  it.each([
    ["demo.retailcrm.ru", "https://demo.retailcrm.ru/"],
    ["https://demo.retailcrm.ru", "https://demo.retailcrm.ru/"],
    ["  https://Demo.RetailCRM.ru/orders/?x=1#top ", "https://demo.retailcrm.ru/"],
    ["http://127.0.0.1:8123", "http://127.0.0.1:8123/"],
    ["https://crm.shop.example:8443/", "https://crm.shop.example:8443/"],
    ["localhost:4000", "https://localhost:4000/"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeCrmUrl(input)).toBe(expected);
  });

  it.each([
    "",
    "   ",
    "ftp://demo.retailcrm.ru",
    "javascript:alert(1)",
    "https://user:pw@demo.retailcrm.ru",
    "demo",
    "http://",
    "https://..",
    "../../etc/passwd",
    "http://x..y",
    "1.5",
    "https://0x7f.1/",
  ])("rejects %j", (input) => {
    expect(normalizeCrmUrl(input)).toBeNull();
  });
});

describe("crmHost", () => {
  it.each([
    ["demo.retailcrm.ru", "demo.retailcrm.ru"],
    ["HTTP://Demo.RetailCRM.ru:80/orders?x=1", "demo.retailcrm.ru"],
    ["https://demo.retailcrm.ru:443", "demo.retailcrm.ru"],
    ["http://127.0.0.1:08123/api/v5", "127.0.0.1:8123"],
    ["https://crm.shop.example:8443/", "crm.shop.example:8443"],
  ])("%s → %s", (input, expected) => {
    expect(crmHost(input)).toBe(expected);
  });

  it("refuses what normalizeCrmUrl refuses", () => {
    expect(crmHost("javascript:alert(1)")).toBeNull();
  });
});
