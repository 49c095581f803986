import type { IncomingHttpHeaders } from "node:http";
import type { Params } from "./params";
import { fail, MSG, type Reply } from "./reply";
import type { SimState } from "./state";
import type { SimApiKey } from "./types";

/** Scope names official modules request (spec §2). */
export const SCOPES = [
  "order_read",
  "order_write",
  "customer_read",
  "customer_write",
  "store_read",
  "store_write",
  "reference_read",
  "reference_write",
  "analytics_write",
  "telephony_read",
  "telephony_write",
  "delivery_read",
  "delivery_write",
  "user_read",
  "user_write",
  "segment_read",
  "custom_fields_read",
  "custom_fields_write",
  "task_read",
  "task_write",
  "integration_read",
  "integration_write",
  "cost_read",
  "cost_write",
  "payments_read",
  "payments_write",
  "file_read",
  "file_write",
  "loyalty_read",
  "loyalty_write",
  "verification_read",
  "verification_write",
] as const;

/** The key from the `X-API-KEY` header (any case), the query or the form body, in that order. */
export function extractKey(headers: IncomingHttpHeaders, query: Params, form: Params): string | undefined {
  const header = headers["x-api-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader || query.get("apiKey") || form.get("apiKey") || undefined;
}

/** Resolves the presented key, or the auth error the CRM answers with. */
export function authorize(
  state: SimState,
  presented: string | undefined,
  status: number,
): { key: SimApiKey } | { reply: Reply } {
  if (presented === undefined) return { reply: fail(status, MSG.keyMissing) };
  const key = state.keys.get(presented);
  return key ? { key } : { reply: fail(status, MSG.keyWrong) };
}

/** `scope` undefined = any valid key will do. */
export function hasScope(key: SimApiKey, scope: string | undefined): boolean {
  return scope === undefined || key.scopes.includes(scope);
}
