/** AMI over TCP: banner, session loop and event delivery as in session_do() / do_message() / process_events(). */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Manager, Reply } from "./actions";
import { error, MessageReader, type ReadMessage } from "./protocol";
import { type QueuedEvent, Session } from "./session";
import type { SimConfig } from "./types";

class TcpSession extends Session {
  /** An action is running; events wait until its reply has been written. */
  busy = false;
  closing = false;

  constructor(
    private readonly socket: Socket,
    private readonly manager: Manager,
  ) {
    super("tcp", -1);
  }

  override isAlive(): boolean {
    return !this.socket.destroyed;
  }

  override deliver(event: QueuedEvent): void {
    super.deliver(event);
    if (!this.busy) this.flush();
  }

  flush(): void {
    const events = this.drain();
    if (events !== "") this.write(events);
  }

  write(text: string): void {
    if (this.manager.mode !== "hang" && this.socket.writable) this.socket.write(text);
  }

  /** Like Asterisk's close(fd) after the last reply: flush, then close both directions. */
  end(): void {
    this.closing = true;
    this.socket.end(() => this.socket.destroy());
  }
}

export class TcpServer {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(
    private readonly manager: Manager,
    private readonly config: SimConfig,
  ) {}

  get connections(): number {
    return this.sockets.size;
  }

  async listen(port: number): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.config.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening; `graceful` lets queued output (e.g. a Shutdown event) reach the clients first. */
  async close(graceful: boolean): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      if (graceful) socket.end(() => socket.destroy());
      else socket.destroy();
    }
    await closed;
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    const { manager } = this;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    if (manager.mode === "hang") {
      socket.resume();
      return;
    }
    // authlimit: too many unauthenticated sessions closes the new one before the banner.
    if (manager.mode === "refuse" || manager.unauthenticatedCount() >= this.config.authlimit) {
      socket.destroy();
      return;
    }
    const session = new TcpSession(socket, manager);
    manager.attach(session);
    session.write(`Asterisk Call Manager/${this.config.version}\r\n`);
    const cancelAuthTimeout = manager.scheduler.after(this.config.authtimeout * 1000, () => {
      if (!session.authenticated && manager.mode !== "hang") socket.destroy();
    });
    const reader = new MessageReader();
    const queue: ReadMessage[] = [];

    const pump = async (): Promise<void> => {
      if (session.busy) return;
      session.busy = true;
      for (let item = queue.shift(); item !== undefined && !session.closing; item = queue.shift()) {
        const result: Reply =
          item.error === undefined
            ? await manager.process(session, item)
            : { output: error(item, item.error), close: false };
        session.write(result.output);
        if (result.close) session.end();
        else session.flush();
      }
      session.busy = false;
    };

    socket.on("data", (chunk: Buffer) => {
      if (manager.mode === "hang" || session.closing) return;
      const messages = reader.feed(chunk);
      if (messages.length === 0) return;
      queue.push(...messages);
      // New input ends a WaitEvent on a TCP session, as ast_wait_for_input() does.
      session.wake();
      void pump();
    });
    socket.on("close", () => {
      cancelAuthTimeout();
      manager.detach(session);
    });
  }
}
