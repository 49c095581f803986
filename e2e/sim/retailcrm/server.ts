import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authorize, extractKey, hasScope } from "./auth";
import { parseForm, readBody } from "./body";
import type { Faults } from "./faults";
import { Params, toRecord, type Pair } from "./params";
import { bucketOf, RateLimiter } from "./rate-limit";
import { fail, MSG, nginxPage, type Reply } from "./reply";
import { matchRoute } from "./routes";
import type { SimState } from "./state";
import type { RecordedRequest, ResolvedOptions } from "./types";

interface Incoming {
  method: string;
  path: string;
  queryPairs: Pair[];
  formPairs: Pair[];
  apiKey: string | undefined;
  record: RecordedRequest;
}

export interface SimServerDeps {
  state: SimState;
  options: ResolvedOptions;
  faults: Faults;
  requests: RecordedRequest[];
}

/** The HTTP face of one simulated CRM account: faults first, then routing, auth, rate limit, handler. */
export class SimServer {
  private readonly server = createServer((req, res) => void this.accept(req, res));
  private readonly limit: { limiter: RateLimiter; status: number } | undefined;
  private baseUrl = "";
  /** Requests received and not yet answered (or dropped), and the most there were at once. */
  open = 0;
  peakOpen = 0;

  constructor(private readonly deps: SimServerDeps) {
    const { rateLimit } = deps.options;
    this.limit = rateLimit ? { limiter: new RateLimiter(rateLimit), status: rateLimit.status } : undefined;
  }

  async listen(): Promise<string> {
    const { port, host } = this.deps.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${hostPart}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    this.open++;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    res.once("close", () => this.open--);
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const queryPairs = [...url.searchParams];
    const formPairs = parseForm(req.headers["content-type"], body);
    const apiKey = extractKey(req.headers, new Params(queryPairs), new Params(formPairs));
    const method = req.method ?? "GET";
    const record: RecordedRequest = {
      at,
      method,
      path: url.pathname,
      query: toRecord(queryPairs),
      headers: flattenHeaders(req.headers),
      form: toRecord(formPairs),
      ...(apiKey === undefined ? {} : { apiKey }),
      status: 0,
      response: undefined,
    };
    this.deps.requests.push(record);
    await this.serve({ method, path: url.pathname, queryPairs, formPairs, apiKey, record }, res);
  }

  private async serve(incoming: Incoming, res: ServerResponse): Promise<void> {
    const { faults } = this.deps;
    switch (faults.outage) {
      case "reset":
        res.socket?.destroy();
        return;
      case "hang":
        faults.park(() => void this.serve(incoming, res));
        return;
      case "http502":
        send(res, incoming.record, { status: 502, body: nginxPage(502, "Bad Gateway") });
        return;
      case "none":
        break;
    }
    const delay = faults.latencyFor(incoming.path);
    if (delay > 0) await sleep(delay);
    let reply: Reply;
    try {
      reply = this.reply(incoming);
    } catch (error) {
      reply = fail(500, error instanceof Error ? error.message : "Internal Server Error");
    }
    send(res, incoming.record, reply);
  }

  private reply({ method, path, queryPairs, formPairs, apiKey }: Incoming): Reply {
    const { state, options, faults } = this.deps;
    if (!faults.accountExists) {
      return options.accountMissing === "html405" && method !== "GET"
        ? { status: 405, body: nginxPage(405, "Not Allowed") }
        : fail(404, MSG.accountMissing);
    }
    const failure = faults.takeFailure(path);
    if (failure) return failure;

    const match = matchRoute(method, path);
    if (match === "unknown") return fail(404, MSG.methodNotFound);
    if (match === "wrong-method") return fail(405, MSG.methodNotAllowed);
    const { route, args } = match;
    const ctx = {
      state,
      options,
      params: new Params([...queryPairs, ...formPairs]),
      pathArgs: args,
      baseUrl: this.baseUrl,
    };
    if (route.auth === "public") return route.handle(ctx);

    const auth = authorize(state, apiKey, options.authErrorStatus);
    if ("reply" in auth) return auth.reply;
    if (this.limit && !this.limit.limiter.take(auth.key.key, bucketOf(path)))
      return fail(this.limit.status, MSG.rateLimit);
    if (!hasScope(auth.key, route.scope)) return fail(options.authErrorStatus, MSG.accessDenied);
    return route.handle({ ...ctx, key: auth.key });
  }
}

function send(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
  record.status = reply.status;
  record.response = reply.body;
  if (res.destroyed || res.writableEnded) return;
  const html = typeof reply.body === "string";
  const payload = html ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": html ? "text/html" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
