import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { PEER_HEADER } from "@/lib/security/source-address";

type Handler = (request: Request, context: never) => Response | Promise<Response>;
export type Routes = Record<string, Partial<Record<"GET" | "POST", Handler>>>;

/** As Next.js builds it: the body streamed from the socket, never buffered here (the limits under test are the routes' own). */
function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  // As scripts/serve.mjs does: the socket's address, whatever the client sent in that header.
  headers.set(PEER_HEADER, req.socket.remoteAddress ?? "");
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  const body =
    hasBody && req.method !== "GET" && req.method !== "HEAD"
      ? (Readable.toWeb(req) as ReadableStream<Uint8Array>)
      : undefined;
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body,
    duplex: "half",
  } as RequestInit);
}

/** Finds the route for a path; "[name]" segments of a route match any one segment and become params. */
function matchRoute(routes: Routes, path: string) {
  const segments = path.split("/");
  for (const [pattern, handlers] of Object.entries(routes)) {
    const parts = pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const dynamic = /^\[(\w+)\]$/.exec(part);
      if (dynamic) params[dynamic[1]!] = decodeURIComponent(segments[i]!);
      return dynamic !== null || part === segments[i];
    });
    if (matches) return { handlers, params };
  }
  return undefined;
}

/**
 * Serves App Router route handlers over real HTTP so that the simulators can call them as the
 * CRM would, without building the whole app (the Playwright suite covers the built app).
 */
export async function serveRoutes(
  routes: Routes,
  port = 0,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}`;
    const path = new URL(req.url ?? "/", base).pathname;
    let match;
    try {
      match = matchRoute(routes, path);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const handler = match?.handlers[req.method as "GET" | "POST"];
    if (!match || !handler) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      try {
        const response = await handler(toRequest(req, base), { params: Promise.resolve(match.params) } as never);
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
