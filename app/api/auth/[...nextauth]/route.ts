import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth";
import { readBoundedBody } from "@/lib/http/body";
import { assertJsonBody, PARAMS_MAX_BYTES } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

type Context = { params: Promise<{ nextauth: string[] }> };

// Built per request so that the configuration is read at run time, not at build time. A sign-in
// is a small form read before anyone is known: its body is read within the limit every
// parameter body has, instead of whole by next-auth, and one declared JSON must be JSON (next-auth
// would throw on it: a 500).
async function handler(request: NextRequest, context: Context): Promise<Response> {
  if (request.method !== "POST") return NextAuth(authOptions())(request, context);
  const body = new Uint8Array(await readBoundedBody(request, PARAMS_MAX_BYTES));
  assertJsonBody(request.headers.get("content-type"), body);
  const bounded = new NextRequest(request.url, { method: "POST", headers: request.headers, body });
  return NextAuth(authOptions())(bounded, context);
}

const guarded = guardRoute(handler);
export { guarded as GET, guarded as POST };
