import { TooManyGuesses } from "@/lib/accounts/lookup";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { log } from "@/lib/log";

const DATABASE_RETRY_SECONDS = 5;

export interface Refusal {
  status: 429 | 503;
  message: string;
  retryAfterSeconds: number;
}

/** The answer for a failure that is the caller's cue to come back later, or undefined for any other error. */
export function refusalFor(error: unknown): Refusal | undefined {
  if (error instanceof TooManyGuesses) return { status: 429, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (isDatabaseUnavailable(error)) {
    log.error({ err: error }, "database unavailable; answering 503");
    return { status: 503, message: "service temporarily unavailable (database unreachable); retry", retryAfterSeconds: DATABASE_RETRY_SECONDS };
  }
  return undefined;
}

/**
 * Wraps a route handler so that throttled sources get a precise 429 and a database outage a
 * precise 503, both with Retry-After, in the routes' JSON error shape; anything else is a bug
 * and propagates.
 */
export function guardRoute<A extends unknown[]>(handler: (request: Request, ...rest: A) => Promise<Response>) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    try {
      return await handler(request, ...rest);
    } catch (error) {
      const refusal = refusalFor(error);
      if (!refusal) throw error;
      return Response.json(
        { success: false, errorMsg: refusal.message },
        { status: refusal.status, headers: { "retry-after": String(refusal.retryAfterSeconds), "cache-control": "no-store" } },
      );
    }
  };
}
