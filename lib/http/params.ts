/** A body that claims a form type but cannot be read as one: the caller's mistake, answered 400 (never a 500). */
export class MalformedRequestBody extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = "MalformedRequestBody";
  }
}

/**
 * The parameters of a request as the CRM or the dialplan send them: the query string, and for
 * POST a form body (urlencoded or multipart). Body values win over query values of the same name;
 * a repeated parameter counts with its last value. Other body types are not read. Throws
 * MalformedRequestBody for a multipart body that cannot be parsed.
 */
export async function requestParams(request: Request): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
  if (request.method !== "POST") return params;
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(await request.text())));
  } else if (type.includes("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new MalformedRequestBody("the request body is not valid multipart/form-data");
    }
    for (const [key, value] of form) if (typeof value === "string") params[key] = value;
  }
  return params;
}

export function jsonError(status: number, errorMsg: string): Response {
  return Response.json({ success: false, errorMsg }, { status });
}
