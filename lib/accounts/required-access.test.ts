import { describe, expect, it } from "vitest";
import { featuresOn, missingAccessMessage, missingMethods, REQUIRED_SCOPES } from "./required-access";

describe("required API access", () => {
  it("accepts a key with every needed scope", () => {
    expect(missingMethods({ scopes: [...REQUIRED_SCOPES, "order_read"], credentials: [] })).toEqual([]);
  });

  it("names the methods a missing scope blocks", () => {
    const scopes = REQUIRED_SCOPES.filter((s) => s !== "telephony_write");
    expect(missingMethods({ scopes, credentials: [] })).toEqual([
      "/api/telephony/call/event",
      "/api/telephony/calls/upload",
    ]);
  });

  it("judges a key without scopes by its deprecated method list", () => {
    expect(
      missingMethods({ scopes: [], credentials: ["/api/users", "/api/customers", "/api/telephony/manager"] }),
    ).toEqual([
      "/api/integration-modules/{code}",
      "/api/integration-modules/{code}/edit",
      "/api/telephony/call/event",
      "/api/telephony/calls/upload",
    ]);
    expect(missingMethods({ scopes: [], credentials: [] })).toHaveLength(7);
  });

  it("says in Russian what to allow", () => {
    expect(missingAccessMessage(["/api/users"])).toMatch(
      /^У API ключа нет доступа к методам: \/api\/users\. Разрешите их в retailCRM/,
    );
  });

  it("asks for customer notes while transcripts are on, in either language", () => {
    const options = { missedTasks: false, alertsEnabled: false, newCustomers: false };
    expect(featuresOn(options, { enabled: false })).toEqual([]);
    expect(featuresOn(options, { enabled: true })).toEqual(["transcripts"]);
    const features = featuresOn(options, { enabled: true });
    expect(missingMethods({ scopes: [...REQUIRED_SCOPES], credentials: [] }, features)).toEqual([
      "/api/customers/notes/create",
    ]);
    expect(missingMethods({ scopes: [...REQUIRED_SCOPES, "customer_write"], credentials: [] }, features)).toEqual([]);
    expect(missingAccessMessage(["/api/customers/notes/create"], "en")).toMatch(
      /^The API key has no access to the methods: \/api\/customers\/notes\/create\. Allow them in retailCRM/,
    );
  });
});
