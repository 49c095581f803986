/** A simulator of Asterisk's manager interface (AMI) over TCP and HTTP, for tests. Wire facts: docs/asterisk.md. */
import { Manager } from "./actions";
import { statusText } from "./hints";
import { HttpServer } from "./http";
import { EVENT_FLAG, getPerm } from "./permissions";
import { eventText } from "./protocol";
import { Scheduler } from "./scheduler";
import { TcpServer } from "./tcp";
import type {
  AmiUser,
  AsteriskSimOptions,
  OriginateOutcome,
  RecordedAction,
  RecordedOriginate,
  SimConfig,
  SimMode,
} from "./types";

export type {
  AmiUser,
  AsteriskSimOptions,
  OriginateOutcome,
  RecordedAction,
  RecordedOriginate,
  SimMode,
} from "./types";

export interface AsteriskSim {
  readonly tcpPort: number | null;
  readonly httpPort: number | null;
  readonly host: string;
  readonly originates: RecordedOriginate[];
  /** Every action received, in order. */
  readonly actions: RecordedAction[];
  /** Currently open TCP AMI sockets. */
  readonly tcpConnections: number;
  /** Logged-in sessions (TCP or HTTP) that call events reach now. */
  readonly eventSessions: number;
  /** Live HTTP manager sessions (cookie or digest). */
  readonly httpSessions: number;
  setUsers(users: AmiUser[]): void;
  setOriginateOutcome(outcome: OriginateOutcome, delayMs?: number): void;
  /** Runs `run` once, right as `username` next logs in: the events it makes reach that session before its next action's answer. */
  afterLogin(username: string, run: () => void): void;
  /** refuse: connections are closed at once; hang: connections are accepted and read, nothing is ever answered. */
  setMode(mode: SimMode): void;
  /** Destroys every open TCP socket (AMI and HTTP) now. */
  dropConnections(): void;
  /** Like `core restart now`: every call hung up, a Shutdown event, everything closed, HTTP sessions forgotten, back on the same ports. */
  restart(): Promise<void>;
  /**
   * A hinted extension's state changes (0 Idle, 1 InUse, 2 Busy, 4 Unavailable, 8 Ringing, …): an
   * ExtensionStatus event (class call) as a real Asterisk sends it, and ExtensionState's answer from now on.
   */
  setExtensionState(exten: string, context: string, status: number): void;
  /** Pushes an event (fields must include `Event`) of class `requiredClass` (default "call") to every session allowed to see it. */
  emitEvent(fields: Record<string, string>, requiredClass?: string): void;
  /**
   * Sends recorded events (a real Asterisk's, e2e/fixtures/ami-transcripts) as they were, each to
   * the sessions its Privilege class and their filters allow, and keeps the channels they leave
   * up for CoreShowChannels. `renumber` gives the calls new ids (a scenario played twice is two calls).
   */
  replay(events: readonly Record<string, string>[], options?: { renumber?: (id: string) => string }): void;
  close(): Promise<void>;
}

function resolveConfig(options: AsteriskSimOptions): SimConfig {
  return {
    host: options.host ?? "127.0.0.1",
    tcpPort: options.tcpPort === undefined ? 0 : options.tcpPort,
    httpPort: options.httpPort === undefined ? 0 : options.httpPort,
    version: options.version ?? "9.0.0",
    prefix: options.prefix ?? "asterisk",
    servername: options.servername ?? "Asterisk",
    webenabled: options.webenabled ?? true,
    httptimeout: options.httptimeout ?? 60,
    authtimeout: options.authtimeout ?? 30,
    authlimit: options.authlimit ?? 50,
    loginFailDelayMs: options.loginFailDelayMs ?? 1000,
    dialplan: options.dialplan,
    hints: options.hints ?? [],
  };
}

export async function createAsteriskSim(options: AsteriskSimOptions = {}): Promise<AsteriskSim> {
  const config = resolveConfig(options);
  const scheduler = new Scheduler();
  const manager = new Manager(config, scheduler, [...(options.users ?? [])], {
    outcome: options.originate?.outcome ?? "answer",
    delayMs: options.originate?.delayMs ?? 200,
  });
  const tcp = config.tcpPort === null ? undefined : new TcpServer(manager, config);
  const http = config.httpPort === null ? undefined : new HttpServer(manager, config);
  const tcpPort = tcp === undefined ? null : await tcp.listen(config.tcpPort ?? 0);
  const httpPort = http === undefined ? null : await http.listen(config.httpPort ?? 0);

  return {
    tcpPort,
    httpPort,
    host: config.host,
    originates: manager.originates,
    actions: manager.actions,
    get tcpConnections() {
      return tcp?.connections ?? 0;
    },
    get eventSessions() {
      return manager.eventSessionCount();
    },
    get httpSessions() {
      return http?.sessions ?? 0;
    },
    setUsers(users) {
      manager.users = [...users];
    },
    setOriginateOutcome(outcome, delayMs) {
      manager.outcome = outcome;
      if (delayMs !== undefined) manager.originateDelayMs = delayMs;
    },
    setMode(mode) {
      manager.mode = mode;
    },
    afterLogin(username, run) {
      manager.afterLogin.set(username.toLowerCase(), run);
    },
    dropConnections() {
      tcp?.dropConnections();
      http?.dropConnections();
    },
    async restart() {
      manager.hangUpEverything();
      manager.broadcast({
        category: EVENT_FLAG.system,
        text: eventText("Shutdown", EVENT_FLAG.system, [
          ["Shutdown", "Cleanly"],
          ["Restart", "True"],
        ]),
      });
      scheduler.cancelAll();
      manager.forgetChannels();
      http?.forgetSessions();
      await Promise.all([tcp?.close(true), http?.close()]);
      manager.startedAt = Date.now();
      if (tcp !== undefined && tcpPort !== null) await tcp.listen(tcpPort);
      if (http !== undefined && httpPort !== null) await http.listen(httpPort);
    },
    replay(events, options = {}) {
      const renumber = options.renumber ?? ((id: string) => id);
      const ids = /^(Uniqueid|Linkedid|DestUniqueid|DestLinkedid|\w+Uniqueid|\w+Linkedid)$/;
      for (const event of events)
        manager.emit(
          Object.entries(event).map(([key, value]) => [key, ids.test(key) ? renumber(value) : value] as const),
        );
    },
    setExtensionState(exten, context, status) {
      manager.emit([
        ["Event", "ExtensionStatus"],
        ["Privilege", "call,all"],
        ["Exten", exten],
        ["Context", context],
        ["Hint", manager.hints.hintOf(exten, context) ?? ""],
        ["Status", String(status)],
        ["StatusText", statusText(status)],
      ]);
    },
    emitEvent(fields, requiredClass = "call") {
      const { Event: name, Privilege: _privilege, ...rest } = fields;
      if (name === undefined) throw new Error("emitEvent: fields.Event is required");
      const category = getPerm(requiredClass);
      manager.broadcast({ category, text: eventText(name, category, Object.entries(rest)) });
    },
    async close() {
      scheduler.cancelAll();
      await Promise.all([tcp?.close(false), http?.close()]);
    },
  };
}
