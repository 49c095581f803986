import pg from "pg";
import { log } from "@/lib/log";

const RECONNECT_MS = 500;

export interface ListenHandlers {
  /** A notice on the channel, with its payload ('' when it had none). */
  notice(payload: string): void;
  /** The connection listens (again): notices sent while it did not are lost, so whatever they would have said must be assumed. */
  listening(): void;
}

export interface Listening {
  /** Whether the connection listens now. */
  readonly connected: boolean;
  close(): void;
}

/**
 * Keeps a connection of its own that LISTENs on `channel` until closed, connecting again after
 * every loss (docs/caching.md, «Forgetting a change»; docs/delivery.md, «Waking»).
 */
export function listen(url: string, channel: string, what: string, handlers: ListenHandlers): Listening {
  const state = { connected: false, closed: false, client: undefined as pg.Client | undefined };
  const loop = async () => {
    while (!state.closed) {
      const client = new pg.Client({ connectionString: url });
      client.on("notification", (message) => {
        if (message.channel === channel) handlers.notice(message.payload ?? "");
      });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.query(`LISTEN ${channel}`);
        state.client = client;
        state.connected = true;
        handlers.listening();
        await new Promise<void>((resolve) => client.once("end", resolve));
        state.connected = false;
        if (!state.closed) log.warn(`${what} lost its connection; reconnecting`);
      } catch {
        state.connected = false;
        await client.end().catch(() => undefined);
      }
      if (!state.closed) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS).unref());
    }
  };
  void loop();
  return {
    get connected() {
      return state.connected;
    },
    close() {
      state.closed = true;
      void state.client?.end().catch(() => undefined);
    },
  };
}
