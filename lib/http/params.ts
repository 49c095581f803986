import { readBoundedBody } from "./body";
import { Refusal } from "./refusal";

/**
 * The largest parameter body any endpoint takes. The biggest real one, the marketplace's
 * register JSON (a URL, an API key and a token), is well under 1 kB; the limit is read as the
 * bytes arrive, before authentication, so that nobody can make the service buffer more.
 */
export const PARAMS_MAX_BYTES = 16 * 1024;

/**
 * The parameters of a request as the CRM or the dialplan send them: the query string, and for
 * POST a form body (urlencoded or multipart) of at most PARAMS_MAX_BYTES. Body values win over
 * query values of the same name; a repeated parameter counts with its last value. Other body
 * types are not read. Refuses (body_too_large) past the limit and (malformed_body) a multipart
 * body that cannot be parsed: the caller's mistake, never a 500.
 */
export async function requestParams(request: Request): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
  if (request.method !== "POST") return params;
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) {
    const body = await readBoundedBody(request, PARAMS_MAX_BYTES);
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
  } else if (type.includes("multipart/form-data")) {
    const body = await readBoundedBody(request, PARAMS_MAX_BYTES);
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), {
        headers: { "content-type": request.headers.get("content-type")! },
      }).formData();
    } catch {
      throw new Refusal("malformed_body", "the request body is not valid multipart/form-data");
    }
    for (const [key, value] of form) if (typeof value === "string") params[key] = value;
  }
  return params;
}

/**
 * A body declared JSON must parse as JSON: libraries that parse it themselves (next-auth) throw a
 * 500 on what does not. Decoded as they decode it (UTF-8, a byte order mark dropped); the media
 * type's case does not matter (RFC 9110 §8.3.1). Refuses (malformed_body) what is not.
 */
export function assertJsonBody(contentType: string | null, body: Uint8Array): void {
  if (!(contentType ?? "").toLowerCase().includes("application/json")) return;
  try {
    JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new Refusal("malformed_body", "the request body is not valid JSON");
  }
}

export function jsonError(status: number, errorMsg: string): Response {
  return Response.json({ success: false, errorMsg }, { status });
}
