// What a simulated CRM got about calls: the call/event bodies and calls/upload entries of one call,
// in order, for the tests of calls derived from AMI events.
import type { RetailCrmSim } from "../sim/retailcrm";
import { until } from "./until";

/** Every call/event body and calls/upload entry the CRM took for the call, in order. */
export function crmRequestsOf(crm: RetailCrmSim, uniqueid: string): Record<string, unknown>[] {
  return crm.requests.flatMap((request): Record<string, unknown>[] => {
    if (request.status !== 200) return [];
    if (request.path.endsWith("/call/event")) {
      const event = JSON.parse(request.form.event!) as Record<string, unknown>;
      return event.callExternalId === uniqueid ? [{ request: "call/event", ...event }] : [];
    }
    if (request.path.endsWith("/calls/upload"))
      return (JSON.parse(request.form.calls!) as Record<string, unknown>[])
        .filter((call) => call.externalId === uniqueid)
        .map((call) => ({ request: "calls/upload", ...call }));
    return [];
  });
}

/** What the CRM got about one call once its upload came, and a moment after (anything later has had its chance). */
export async function crmRequestsFor(crm: RetailCrmSim, uniqueid: string): Promise<Record<string, unknown>[]> {
  await until(
    () => crmRequestsOf(crm, uniqueid),
    (requests) => requests.some((r) => r.request === "calls/upload"),
    15_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  return crmRequestsOf(crm, uniqueid);
}
