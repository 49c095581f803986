/** AMI over HTTP: the cookie handlers (generic_http_callback) and the digest ones (auth_http_callback). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Manager, Reply } from "./actions";
import { challengeHeader, digestMatches, hex8, parseDigest, randomNonce, scanHex } from "./digest";
import { CONTENT_TYPE, errorPage, type Format, type Param, renderBody } from "./http-format";
import { getPerm } from "./permissions";
import { Session } from "./session";
import type { SimConfig } from "./types";

const MAX_CONTENT_LENGTH = 40960;
/** The cookie URIs; an `a` in front selects the digest variant. */
const FORMATS: ReadonlyMap<string, Format> = new Map([
  ["rawman", "raw"],
  ["manager", "html"],
  ["mxml", "xml"],
]);
const MAX_HEADERS = 128;
/** Digest nonces older than this are answered with `stale=true`. */
const NONCE_LIFETIME_MS = 62_000;

class HttpSession extends Session {
  expiresAt = 0;
  inUse = 0;
  destroyed = false;
  nc = 0;
  nonceTime = 0;
  oldNonce = 0;

  constructor(
    public id: number,
    sendEvents: number,
  ) {
    super("http", sendEvents);
  }

  override isAlive(): boolean {
    return !this.destroyed && (this.inUse > 0 || Date.now() <= this.expiresAt);
  }

  /** WaitEvent stops 10 s before the session would expire. */
  override waitLimit(): number {
    return Math.max(0, Math.floor((this.expiresAt - Date.now()) / 1000) - 10);
  }
}

interface HttpError {
  status: number;
  title: string;
  text: string;
}

/** ast_uri_decode() in legacy mode: `+` is a space, `%X` / `%XX` are bytes. */
function uriDecode(text: string): string {
  const src = Buffer.from(text, "latin1");
  const out: number[] = [];
  const isHex = (b: number | undefined): boolean => b !== undefined && /[0-9a-f]/i.test(String.fromCharCode(b));
  for (let i = 0; i < src.length; i++) {
    const b = src[i] ?? 0;
    if (b === 0x2b) {
      out.push(0x20);
    } else if (b === 0x25 && i + 2 < src.length && isHex(src[i + 1])) {
      const digits =
        String.fromCharCode(src[i + 1] ?? 0) + (isHex(src[i + 2]) ? String.fromCharCode(src[i + 2] ?? 0) : "");
      out.push(Number.parseInt(digits, 16));
      i += 2;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out).toString("utf8");
}

function parseForm(text: string): Param[] {
  return text.split("&").map((part) => {
    const eq = part.indexOf("=");
    return eq < 0 ? [uriDecode(part), ""] : [uriDecode(part.slice(0, eq)), uriDecode(part.slice(eq + 1))];
  });
}

/** ast_http_manid_from_vars(): only the last Cookie header counts, and its last mansession_id. */
function cookieSessionId(req: IncomingMessage): number {
  let cookie = "";
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === "cookie") cookie = req.rawHeaders[i + 1] ?? "";
  }
  let id = 0;
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (eq >= 0 && name.toLowerCase() === "mansession_id" && value !== "") id = scanHex(value) ?? 0;
  }
  return id;
}

function readBody(req: IncomingMessage): Promise<Buffer | HttpError> {
  const tooLarge: HttpError = { status: 413, title: "Request Entity Too Large", text: "Body too large" };
  if (Number(req.headers["content-length"] ?? 0) > MAX_CONTENT_LENGTH) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_CONTENT_LENGTH) resolve(tooLarge);
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", () => resolve({ status: 400, title: "Bad Request", text: "Error parsing request body" }));
  });
}

/** ast_http_get_post_vars(): only a form body counts, and then the query string is ignored. */
async function readParams(req: IncomingMessage, query: Param[]): Promise<Param[] | HttpError> {
  if (req.method !== "POST") return query;
  const type = (req.headers["content-type"] ?? "").split(";")[0] ?? "";
  if (type.toLowerCase() !== "application/x-www-form-urlencoded") {
    req.resume();
    return [];
  }
  const body = await readBody(req);
  if (!Buffer.isBuffer(body)) return body;
  return body.length === 0 ? [] : parseForm(body.toString("latin1"));
}

const toMessage = (params: Param[]): { headers: string[] } => ({
  headers: params.slice(0, MAX_HEADERS).map(([name, value]) => `${name}: ${value}`),
});

export class HttpServer {
  private server: Server | undefined;

  constructor(
    private readonly manager: Manager,
    private readonly config: SimConfig,
  ) {}

  get sessions(): number {
    return this.httpSessions().length;
  }

  async listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 15_000;
    server.on("connection", (socket) => {
      if (this.manager.mode === "refuse") socket.destroy();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.config.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  dropConnections(): void {
    this.server?.closeAllConnections();
  }

  forgetSessions(): void {
    for (const session of this.httpSessions()) this.destroy(session);
  }

  private httpSessions(): HttpSession[] {
    return this.manager.liveSessions().filter((s): s is HttpSession => s instanceof HttpSession);
  }

  private destroy(session: HttpSession): void {
    session.destroyed = true;
    this.manager.detach(session);
  }

  /** Matches `/<prefix>/<uri>` or `/<prefix>/<uri>/`, case-insensitively, on the undecoded path. */
  private route(path: string): { format: Format; digest: boolean } | undefined {
    if (!this.config.webenabled) return undefined;
    const prefix = this.config.prefix === "" ? "" : `/${this.config.prefix}`;
    if (path.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase() || path[prefix.length] !== "/")
      return undefined;
    const uri = path
      .slice(prefix.length + 1)
      .toLowerCase()
      .replace(/\/$/, "");
    const digest = uri.startsWith("a") && FORMATS.has(uri.slice(1));
    const format = FORMATS.get(digest ? uri.slice(1) : uri);
    return format === undefined ? undefined : { format, digest };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.manager.mode === "refuse") {
      req.socket.destroy();
      return;
    }
    if (this.manager.mode === "hang") return;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const route = this.route(q < 0 ? url : url.slice(0, q));
    if (route === undefined)
      return this.sendError(res, {
        status: 404,
        title: "Not Found",
        text: "The requested URL was not found on this server.",
      });
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
      return this.sendError(res, {
        status: 501,
        title: "Not Implemented",
        text: "Attempt to use unimplemented / unsupported method",
      });
    }
    const query = q < 0 ? [] : parseForm(url.slice(q + 1));
    if (route.digest) await this.digestRequest(req, res, route.format, query);
    else await this.cookieRequest(req, res, route.format, query);
  }

  private async cookieRequest(
    req: IncomingMessage,
    res: ServerResponse,
    format: Format,
    query: Param[],
  ): Promise<void> {
    const { httptimeout } = this.config;
    const id = cookieSessionId(req);
    let session = id === 0 ? undefined : this.httpSessions().find((s) => s.id === id);
    if (session === undefined) {
      session = new HttpSession(this.newSessionId(), 0);
      this.manager.attach(session);
    }
    session.inUse += 1;
    const params = await readParams(req, query);
    if (!Array.isArray(params)) {
      session.inUse -= 1;
      return this.sendError(res, params, true);
    }
    const result = await this.manager.process(session, toMessage(params));
    // Unauthenticated sessions only live 5 s.
    session.expiresAt = Date.now() + (session.authenticated || httptimeout < 5 ? httptimeout : 5) * 1000;
    this.finish(session, result);
    this.send(
      res,
      200,
      "OK",
      [
        ["Content-type", CONTENT_TYPE[format]],
        ["Set-Cookie", `mansession_id="${hex8(session.id)}"; Version=1; Max-Age=${httptimeout}`],
        ["Pragma", "SuppressEvents"],
      ],
      renderBody(format, result.output, params, false),
    );
  }

  private async digestRequest(
    req: IncomingMessage,
    res: ServerResponse,
    format: Format,
    query: Param[],
  ): Promise<void> {
    const credentials = parseDigest(req.headers.authorization ?? "");
    const user = this.manager.users.find((u) => u.username.toLowerCase() === credentials?.username.toLowerCase());
    if (credentials === undefined || user === undefined) return this.unauthorized(res, randomNonce(), false);
    if (user.permitted === false)
      return this.sendError(res, { status: 403, title: "Permission denied", text: "Permission denied" }, true);
    if (!digestMatches(credentials, req.method ?? "", user.username, user.secret))
      return this.unauthorized(res, randomNonce(), false);

    const now = Date.now();
    const { nonce } = credentials;
    let session = this.httpSessions().find(
      (s) =>
        s.username.toLowerCase() === credentials.username.toLowerCase() && (s.id === nonce || s.oldNonce === nonce),
    );
    if (session === undefined) {
      session = new HttpSession(nonce, -1);
      session.authenticated = true;
      session.username = user.username;
      session.readperm = getPerm(user.read);
      session.writeperm = getPerm(user.write);
      session.nonceTime = now;
      this.manager.attach(session);
    } else if (session.id !== nonce) {
      return this.unauthorized(res, session.id, true);
    } else {
      const nc = scanHex(credentials.nc) ?? session.nc + 1;
      if (session.nc >= nc || now - session.nonceTime > NONCE_LIFETIME_MS) {
        session.nc = 0;
        session.oldNonce = session.id;
        session.id = randomNonce();
        session.nonceTime = now;
        return this.unauthorized(res, session.id, true);
      }
      session.nc = nc;
    }
    session.expiresAt = now + Math.max(this.config.httptimeout, 5) * 1000;
    session.inUse += 1;
    const params = await readParams(req, query);
    if (!Array.isArray(params)) {
      session.inUse -= 1;
      return this.sendError(res, params, true);
    }
    const result = await this.manager.process(session, toMessage(params));
    this.finish(session, result);
    this.send(
      res,
      200,
      "OK",
      [["Content-type", CONTENT_TYPE[format]]],
      renderBody(format, result.output, params, true),
    );
  }

  private finish(session: HttpSession, result: Reply): void {
    session.inUse -= 1;
    if (result.close) this.destroy(session);
  }

  private newSessionId(): number {
    const taken = new Set(this.httpSessions().map((s) => s.id));
    let id = randomNonce();
    while (taken.has(id)) id = randomNonce();
    return id;
  }

  private unauthorized(res: ServerResponse, nonce: number, stale: boolean): void {
    this.send(
      res,
      401,
      "Unauthorized",
      [
        ["WWW-authenticate", challengeHeader(nonce, stale)],
        ["Content-type", "text/html"],
      ],
      errorPage(401, "Unauthorized", "", this.config.servername),
    );
  }

  private sendError(res: ServerResponse, error: HttpError, close = false): void {
    const page = errorPage(error.status, error.title, error.text, this.config.servername);
    this.send(res, error.status, error.title, [["Content-type", "text/html"]], page, close);
  }

  /** ast_http_send(): Server, Date, [Connection: close], Cache-Control, handler headers, Content-Length. */
  private send(
    res: ServerResponse,
    status: number,
    title: string,
    headers: readonly Param[],
    body: string,
    close = false,
  ): void {
    if (this.manager.mode === "hang" || res.destroyed) return;
    const list: string[] = [];
    if (this.config.servername !== "") list.push("Server", this.config.servername);
    list.push("Date", new Date().toUTCString());
    if (close) list.push("Connection", "close");
    list.push("Cache-Control", "no-cache, no-store");
    for (const [name, value] of headers) list.push(name, value);
    list.push("Content-Length", String(Buffer.byteLength(body)));
    res.sendDate = false;
    res.writeHead(status, title, list);
    res.end(body);
  }
}
