import { discardRest } from "@/lib/http/body";
import { refusalOf, refusalResponse } from "@/lib/http/refusal";

/** A body the handler answered without reading (refused before it): dropped, not left on the socket. */
function dropUnread(request: Request): void {
  if (request.body && !request.bodyUsed && !request.body.locked) discardRest(request.body);
}

/**
 * Wraps a route handler so that a Refusal it throws, and a database outage (503 with
 * Retry-After), is answered with its status in the routes' JSON error shape (docs/errors.md);
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
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      return refusalResponse(refusal);
    } finally {
      dropUnread(request);
    }
  };
}
