import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { log } from "@/lib/log";

/**
 * Every refusal the service gives, by stable code, and its HTTP status: the one place codes meet
 * statuses (docs/errors.md lists which endpoints give each).
 */
export const REFUSALS = {
  malformed_body: 400,
  body_too_large: 413,
  signed_out: 401,
  too_many_guesses: 429,
  too_many_cdr_posts: 429,
  database_unavailable: 503,
  invalid_event: 400,
  unknown_call: 404,
  recording_missing: 400,
  recording_empty: 400,
  recording_too_large: 413,
  recording_quota: 413,
  recording_unsupported: 415,
  connect_failed: 400,
  system_url_taken: 409,
  system_url_unconfirmed: 403,
  activity_unconfirmed: 403,
  unknown_user: 404,
  extension_taken: 409,
} as const satisfies Record<string, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503>;

export type RefusalCode = keyof typeof REFUSALS;

/** What the service refuses: the caller must fix the request, or repeat it after `retryAfterSeconds`. */
export class Refusal extends Error {
  readonly status: (typeof REFUSALS)[RefusalCode];

  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "Refusal";
    this.status = REFUSALS[code];
  }
}

/** Whether an error is the refusal with this code. */
export function isRefusal(error: unknown, code: RefusalCode): error is Refusal {
  return error instanceof Refusal && error.code === code;
}

const DATABASE_RETRY_SECONDS = 5;

/** The refusal an error is, a database outage included, or undefined for any other error (a bug). */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof Refusal) return error;
  if (!isDatabaseUnavailable(error)) return undefined;
  log.error({ err: error }, "database unavailable; answering 503");
  return new Refusal(
    "database_unavailable",
    "service temporarily unavailable (database unreachable); retry",
    DATABASE_RETRY_SECONDS,
  );
}

/** A refusal in the routes' JSON error shape; never cached, with Retry-After when it has one. */
export function refusalResponse(refusal: Refusal): Response {
  const headers = new Headers({ "cache-control": "no-store" });
  if (refusal.retryAfterSeconds) headers.set("retry-after", String(refusal.retryAfterSeconds));
  return Response.json({ success: false, errorMsg: refusal.message }, { status: refusal.status, headers });
}
