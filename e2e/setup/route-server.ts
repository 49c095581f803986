import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Handler = (request: Request, context: never) => Response | Promise<Response>;
export type Routes = Record<string, Partial<Record<"GET" | "POST", Handler>>>;

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  // As Next.js does: the peer's address when no proxy has named one.
  if (!headers.has("x-forwarded-for") && req.socket.remoteAddress)
    headers.set("x-forwarded-for", req.socket.remoteAddress);
  const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
  return new Request(new URL(req.url ?? "/", base), { method: req.method, headers, body });
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
        const response = await handler(await toRequest(req, base), { params: Promise.resolve(match.params) } as never);
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
