/** Raw TCP / HTTP clients for the simulator's own tests: they see the exact bytes on the wire. */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import type { AmiUser } from "./types";

export const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/** The MD5 login key of spec §1.4: md5(challenge followed by secret). */
export const md5Key = (challenge: string, secret: string): string => md5(challenge + secret);

export const USERS = {
  crm: {
    username: "crm",
    secret: "s3cret",
    read: "system,call,agent,user,cdr,reporting",
    write: "system,call,originate,reporting,agent",
  },
  reporter: { username: "reporter", secret: "r3port", read: "cdr,reporting,originate", write: "reporting,originate" },
  listener: { username: "listener", secret: "l1sten", read: "call", write: "" },
  noOriginate: { username: "viewer", secret: "v1ew", read: "call", write: "reporting" },
  blocked: { username: "blocked", secret: "b10cked", read: "all", write: "all", permitted: false },
} satisfies Record<string, AmiUser>;

export const ALL_USERS: AmiUser[] = Object.values(USERS);

export class RawAmi {
  private data = "";
  private notify: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.data += chunk;
      this.notify?.();
    });
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.ended = true;
        this.notify?.();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawAmi(socket)));
      socket.once("error", reject);
    });
  }

  /** Connects, reads the banner and logs in; `extra` is more header lines such as "Events: off\r\n". */
  static async login(port: number, user: AmiUser, extra = "Events: off\r\n"): Promise<RawAmi> {
    const ami = await RawAmi.connect(port);
    await ami.line();
    ami.send(`Action: Login\r\nUsername: ${user.username}\r\nSecret: ${user.secret}\r\n${extra}\r\n`);
    const reply = await ami.block();
    if (!reply.includes("Authentication accepted")) throw new Error(`login failed: ${reply}`);
    return ami;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(text: string): void {
    this.socket.write(text);
  }

  line(): Promise<string> {
    return this.take((d) => (d.includes("\r\n") ? d.indexOf("\r\n") + 2 : undefined));
  }

  /** One AMI block, including its terminating blank line. */
  block(): Promise<string> {
    return this.take((d) => (d.includes("\r\n\r\n") ? d.indexOf("\r\n\r\n") + 4 : undefined));
  }

  /** Waits `ms`, then returns whatever arrived without consuming it. */
  async quiet(ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.data;
  }

  close(): void {
    this.socket.destroy();
  }

  private async take(size: (data: string) => number | undefined, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = size(this.data);
      if (n !== undefined) {
        const out = this.data.slice(0, n);
        this.data = this.data.slice(n);
        return out;
      }
      const remaining = deadline - Date.now();
      if (this.ended || remaining <= 0) {
        throw new Error(`${this.ended ? "connection closed" : "timeout"}; unread: ${JSON.stringify(this.data)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

export interface RawResponse {
  status: number;
  statusText: string;
  /** Flat name/value list in wire order. */
  rawHeaders: string[];
  body: string;
  header(name: string): string | undefined;
}

export function httpRequest(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: init.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            rawHeaders: res.rawHeaders,
            body,
            header: (name) => {
              const value = res.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join("\n") : value;
            },
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Sends raw request bytes and returns everything until the server closes the connection. */
export function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
  });
}

export const sessionCookie = (res: RawResponse): string | undefined =>
  /mansession_id="([0-9a-f]{8})"/.exec(res.header("set-cookie") ?? "")?.[1];

export const cookieHeader = (id: string): Record<string, string> => ({ Cookie: `mansession_id="${id}"` });

export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
