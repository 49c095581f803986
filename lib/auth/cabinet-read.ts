import { z } from "zod";
import { Refusal } from "@/lib/http/refusal";
import type { CabinetSession } from "./cabinet-action";
import { sessionAccountId } from "./session";

const NO_PARAMS = z.object({});

const NO_STORE = { "cache-control": "no-store" };

/**
 * The one pipeline of a cabinet read, the GET a page polls to keep its server state current
 * (docs/cabinet.md): the signed-in account, else a 401 refusal; the query string checked against
 * the schema, else a 400 naming the parameter; the read, answered as JSON that is never cached.
 * Its route wraps it in guardRoute like every other handler, so an outage is a 503 (docs/errors.md).
 */
export function cabinetRead<T, S extends z.ZodType = typeof NO_PARAMS>(
  read: (session: CabinetSession, query: z.output<S>) => Promise<T>,
  query?: S,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const accountId = await sessionAccountId();
    if (!accountId) throw new Refusal("signed_out", "no cabinet session (never signed in, or it ended): sign in again");
    const parsed = (query ?? NO_PARAMS).safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success)
      return Response.json(
        { success: false, errorMsg: parsed.error.issues[0]?.message ?? "invalid parameters" },
        { status: 400, headers: NO_STORE },
      );
    return Response.json(await read({ accountId }, parsed.data as z.output<S>), { headers: NO_STORE });
  };
}
