import type { Socket } from "node:net";
import { BlockedAddressError } from "@/lib/net/address-guard";
import { outboundSocket } from "@/lib/net/outbound";
import { AmiError } from "./errors";
import { header, serializeAction, takeMessages, type AmiAction, type AmiMessage } from "./message";
import type { AmiEndpoint, AmiTransport } from "./transport";

interface Pending {
  resolve: (message: AmiMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const BANNER = /^Asterisk Call Manager\/(\S+)/;

/** AMI over TCP (port 5038): reads the banner, logs in, matches responses to actions by ActionID. */
export class AmiTcpTransport implements AmiTransport {
  version = "";
  private buffer = "";
  private bannerSeen = false;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closedError: AmiError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {}

  static async open(endpoint: AmiEndpoint): Promise<AmiTcpTransport> {
    let socket: Socket;
    try {
      socket = outboundSocket(endpoint.host, endpoint.port, endpoint.allowPrivate);
    } catch (error) {
      throw connectError(error);
    }
    const transport = new AmiTcpTransport(socket, endpoint.timeoutMs);
    await transport.awaitBanner();
    const reply = await transport.send({
      Action: "Login",
      Username: endpoint.username,
      Secret: endpoint.secret,
      Events: "off",
    });
    if (header(reply, "Response") !== "Success") {
      await transport.close();
      throw new AmiError("auth", header(reply, "Message") ?? "Authentication failed");
    }
    return transport;
  }

  private awaitBanner(): Promise<void> {
    this.socket.setEncoding("utf8");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new AmiError("timeout", `no AMI banner within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.socket.on("data", (chunk: string) => {
        this.buffer += chunk;
        if (!this.bannerSeen) {
          const end = this.buffer.indexOf("\n");
          if (end < 0) return;
          const banner = BANNER.exec(this.buffer.slice(0, end).trim());
          this.buffer = this.buffer.slice(end + 1);
          clearTimeout(timer);
          if (!banner) {
            this.socket.destroy();
            reject(new AmiError("protocol", "the server is not an Asterisk manager (no AMI banner)"));
            return;
          }
          this.version = banner[1]!;
          this.bannerSeen = true;
          resolve();
        }
        this.drain();
      });
      this.socket.on("error", (error) => {
        clearTimeout(timer);
        const failure = connectError(error);
        this.fail(failure);
        reject(failure);
      });
      this.socket.on("close", () => {
        clearTimeout(timer);
        const failure =
          this.closedError ?? new AmiError(this.bannerSeen ? "closed" : "refused", "Asterisk closed the connection");
        this.fail(failure);
        reject(failure);
      });
    });
  }

  private drain(): void {
    const { messages, rest } = takeMessages(this.buffer);
    this.buffer = rest;
    for (const message of messages) {
      const id = header(message, "ActionID");
      const waiting = id !== undefined && header(message, "Response") !== undefined ? this.pending.get(id) : undefined;
      if (!waiting || !id) continue;
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.resolve(message);
    }
  }

  private fail(error: AmiError): void {
    this.closedError ??= error;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
      this.pending.delete(id);
    }
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  send(action: AmiAction): Promise<AmiMessage> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AmiError("timeout", `no answer to ${String(action.Action)} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(serializeAction({ ...action, ActionID: id }));
    });
  }

  async close(): Promise<void> {
    if (!this.closedError) await this.send({ Action: "Logoff" }).catch(() => undefined);
    this.closedError ??= new AmiError("closed", "connection closed");
    this.socket.destroy();
  }
}

function connectError(error: unknown): AmiError {
  if (error instanceof AmiError) return error;
  if (error instanceof BlockedAddressError) return new AmiError("blocked-address", error.message);
  const code = (error as NodeJS.ErrnoException).code;
  return new AmiError("unreachable", `cannot connect to AMI${code ? ` (${code})` : ""}`);
}
