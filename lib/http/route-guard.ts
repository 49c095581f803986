import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { BodyTooLarge, discardRest } from "@/lib/http/body";
import { MalformedRequestBody } from "@/lib/http/params";
import { log } from "@/lib/log";
import { TooManyGuesses } from "@/lib/security/guess-throttle";

const DATABASE_RETRY_SECONDS = 5;

export interface Refusal {
  status: 400 | 413 | 429 | 503;
  message: string;
  retryAfterSeconds?: number;
}

/** The answer for a request the caller must fix or repeat later, or undefined for any other error (a bug). */
export function refusalFor(error: unknown): Refusal | undefined {
  if (error instanceof MalformedRequestBody) return { status: 400, message: error.message };
  if (error instanceof BodyTooLarge) return { status: 413, message: error.message };
  if (error instanceof TooManyGuesses)
    return { status: 429, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (isDatabaseUnavailable(error)) {
    log.error({ err: error }, "database unavailable; answering 503");
    return {
      status: 503,
      message: "service temporarily unavailable (database unreachable); retry",
      retryAfterSeconds: DATABASE_RETRY_SECONDS,
    };
  }
  return undefined;
}

/** A body the handler answered without reading (refused before it): dropped, not left on the socket. */
function dropUnread(request: Request): void {
  if (request.body && !request.bodyUsed && !request.body.locked) discardRest(request.body);
}

/**
 * Wraps a route handler so that an unreadable body gets a precise 400, throttled sources a 429
 * and a database outage a 503 (both with Retry-After), in the routes' JSON error shape;
 * anything else is a bug and propagates. A body the handler did not read is read and dropped
 * (lib/http/body.ts): a server that closes the connection with bytes unread resets it, and the
 * client may lose the answer.
 */
export function guardRoute<R extends Request, A extends unknown[]>(
  handler: (request: R, ...rest: A) => Promise<Response>,
) {
  return async (request: R, ...rest: A): Promise<Response> => {
    try {
      return await handler(request, ...rest);
    } catch (error) {
      const refusal = refusalFor(error);
      if (!refusal) throw error;
      const headers = new Headers({ "cache-control": "no-store" });
      if (refusal.retryAfterSeconds) headers.set("retry-after", String(refusal.retryAfterSeconds));
      return Response.json({ success: false, errorMsg: refusal.message }, { status: refusal.status, headers });
    } finally {
      dropUnread(request);
    }
  };
}
