import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { readBoundedBody } from "@/lib/http/body";
import { PARAMS_MAX_BYTES } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

type Context = { params: Promise<{ nextauth: string[] }> };

// Built per request so that the configuration is read at run time, not at build time. A sign-in
// is a small form read before anyone is known: its body is read within the limit every
// parameter body has, instead of whole by next-auth.
async function handler(request: NextRequest, context: Context): Promise<Response> {
  const bounded =
    request.method === "POST"
      ? new NextRequest(request.url, {
          method: "POST",
          headers: request.headers,
          body: new Uint8Array(await readBoundedBody(request, PARAMS_MAX_BYTES)),
        })
      : request;
  return NextAuth(authOptions())(bounded, context);
}

const guarded = guardRoute(handler);
export { guarded as GET, guarded as POST };
