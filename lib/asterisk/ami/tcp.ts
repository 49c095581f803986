import type { Socket } from "node:net";
import { BlockedAddressError } from "@/lib/net/address-guard";
import { outboundSocket } from "@/lib/net/outbound";
import { AmiError } from "./errors";
import { AmiReader, AmiReadLimitError, header, serializeAction, type AmiAction, type AmiMessage } from "./message";
import type { AmiEndpoint, AmiTransport } from "./transport";

interface Pending {
  resolve: (message: AmiMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A list action's events (CoreShowChannels …), gathered until the one that completes the list. */
interface PendingList {
  events: AmiMessage[];
  /** Characters of the entries' values so far. */
  chars: number;
  /** Told as the action's answer arrives, before any entry: events read until then came before the list. */
  started?: () => void;
  done?: (events: AmiMessage[]) => void;
}

export interface AmiTcpOptions {
  /** Receives every event the session is sent (Login with Events: on); none: events off. */
  onEvent?: (event: AmiMessage) => void;
  /** Told once when the connection is gone, however it went. */
  onClose?: (error: AmiError) => void;
}

const BANNER = /^Asterisk Call Manager\/(\S+)/;
/** The banner is one short line; a peer that sends more before a line break is no AMI. */
const BANNER_MAX_CHARS = 1024;
/** Entries of one list action (CoreShowChannels: one per channel); a PBX has a few thousand at most. */
export const AMI_LIST_MAX_EVENTS = 10_000;
/** Characters of one list's entries together (a CoreShowChannel is under 1 000). */
export const AMI_LIST_MAX_CHARS = 16 * 1024 * 1024;

/** AMI over TCP (port 5038): reads the banner, logs in, matches responses to actions by ActionID. */
export class AmiTcpTransport implements AmiTransport {
  version = "";
  private banner = "";
  private readonly reader = new AmiReader();
  private bannerSeen = false;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly lists = new Map<string, PendingList>();
  private closedError: AmiError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly options: AmiTcpOptions,
  ) {}

  static async open(endpoint: AmiEndpoint, options: AmiTcpOptions = {}): Promise<AmiTcpTransport> {
    let socket: Socket;
    try {
      socket = outboundSocket(endpoint.host, endpoint.port, endpoint.allowPrivate);
    } catch (error) {
      throw connectError(error);
    }
    const transport = new AmiTcpTransport(socket, endpoint.timeoutMs, options);
    await transport.awaitBanner();
    const reply = await transport.send({
      Action: "Login",
      Username: endpoint.username,
      Secret: endpoint.secret,
      Events: options.onEvent ? "on" : "off",
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
        if (this.closedError) return;
        if (this.bannerSeen) return this.take(chunk);
        this.banner += chunk;
        const end = this.banner.indexOf("\n");
        if (end < 0 && this.banner.length <= BANNER_MAX_CHARS) return;
        const banner = BANNER.exec(this.banner.slice(0, Math.max(end, 0)).trim());
        const rest = this.banner.slice(end + 1);
        this.banner = "";
        clearTimeout(timer);
        if (end < 0 || !banner) {
          this.socket.destroy();
          reject(new AmiError("protocol", "the server is not an Asterisk manager (no AMI banner)"));
          return;
        }
        this.version = banner[1]!;
        this.bannerSeen = true;
        resolve();
        this.take(rest);
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

  /** Reads what arrived and dispatches each message it completes; beyond a limit the connection is dropped. */
  private take(chunk: string): void {
    let messages: AmiMessage[];
    try {
      messages = this.reader.feed(chunk);
    } catch (error) {
      if (!(error instanceof AmiReadLimitError)) throw error;
      return this.abort(new AmiError("too-large", `the server sent ${error.message}`));
    }
    for (const message of messages) {
      if (this.closedError) return;
      this.dispatch(message);
    }
  }

  private dispatch(message: AmiMessage): void {
    const id = header(message, "ActionID");
    const list = id !== undefined && header(message, "Event") !== undefined ? this.lists.get(id) : undefined;
    if (list) {
      // "EventList: Complete" ends a list (…Complete events carry it since Asterisk 1.6).
      if (header(message, "EventList") === "Complete") {
        this.lists.delete(id!);
        list.done?.(list.events);
      } else {
        for (const value of Object.values(message)) list.chars += value.length;
        if (list.events.push(message) > AMI_LIST_MAX_EVENTS || list.chars > AMI_LIST_MAX_CHARS)
          this.abort(new AmiError("too-large", "the server sent a list beyond the entries or size it may have"));
      }
      return;
    }
    const waiting = id !== undefined && header(message, "Response") !== undefined ? this.pending.get(id) : undefined;
    if (waiting && id) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      this.lists.get(id)?.started?.();
      waiting.resolve(message);
      return;
    }
    if (header(message, "Event") !== undefined) this.options.onEvent?.(message);
  }

  /** Drops the connection for a reason of ours: onClose hears it, and nothing more is read. */
  private abort(error: AmiError): void {
    this.fail(error);
    this.socket.destroy();
  }

  private fail(error: AmiError): void {
    if (this.closedError === undefined) this.options.onClose?.(error);
    this.closedError ??= error;
    this.lists.clear();
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
    return this.sendWithId(action, String(this.nextId++));
  }

  private sendWithId(action: AmiAction, id: string): Promise<AmiMessage> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AmiError("timeout", `no answer to ${String(action.Action)} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(serializeAction({ ...action, ActionID: id }));
    });
  }

  /**
   * Sends a list action and resolves with the events of its list, once the list is complete.
   * `started` is called as its answer is read, before the entries and whatever comes after it.
   */
  async list(action: AmiAction, started?: () => void): Promise<AmiMessage[]> {
    if (this.closedError) throw this.closedError;
    const id = String(this.nextId++);
    const list: PendingList = { events: [], chars: 0, started };
    this.lists.set(id, list);
    let timer: NodeJS.Timeout | undefined;
    const complete = new Promise<AmiMessage[]>((resolve, reject) => {
      timer = setTimeout(() => {
        this.lists.delete(id);
        reject(
          new AmiError("timeout", `the list of ${String(action.Action)} was not complete within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      list.done = (events) => {
        clearTimeout(timer);
        resolve(events);
      };
    });
    let reply: AmiMessage;
    try {
      reply = await this.sendWithId(action, id);
    } catch (error) {
      this.lists.delete(id);
      clearTimeout(timer);
      throw error;
    }
    if (header(reply, "Response") !== "Success") {
      this.lists.delete(id);
      clearTimeout(timer);
      const message = header(reply, "Message") ?? `${String(action.Action)} failed`;
      throw new AmiError(message === "Permission denied" ? "permission" : "refused", message);
    }
    return complete;
  }

  /** Drops the connection at once, saying nothing to the peer (one that floods would not hear a Logoff anyway). */
  destroy(): void {
    this.closedError ??= new AmiError("closed", "connection dropped");
    this.socket.destroy();
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
