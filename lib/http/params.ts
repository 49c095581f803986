/**
 * The parameters of a request as the CRM or the dialplan send them: the query string, and for
 * POST a form body (urlencoded or multipart). Body values win over query values of the same name.
 */
export async function requestParams(request: Request): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
  if (request.method !== "POST") return params;
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(await request.text())));
  } else if (type.includes("multipart/form-data")) {
    for (const [key, value] of await request.formData()) if (typeof value === "string") params[key] = value;
  }
  return params;
}

export function jsonError(status: number, errorMsg: string): Response {
  return Response.json({ success: false, errorMsg }, { status });
}
