import type pg from "pg";
import { amiErrorMessage } from "@/lib/asterisk/ami/check";
import { AmiError } from "@/lib/asterisk/ami/errors";
import type { AmiMessage } from "@/lib/asterisk/ami/message";
import { AmiTcpTransport } from "@/lib/asterisk/ami/tcp";
import type { AmiEndpoint } from "@/lib/asterisk/ami/transport";
import { ingestCallEvent } from "@/lib/calls";
import { translatorFor } from "@/lib/i18n/translate";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { CallTracker, TRACKER_LIMITS, TrackerLimitError, type DerivedEvent } from "./tracker";

/** What the listener of one account needs to know (read from its settings when it starts). */
export interface ListenerConfig {
  accountId: string;
  clientId: string;
  endpoint: AmiEndpoint;
  mode: "AMI" | "BOTH";
  inboundContexts: string[];
  extensions: string[];
}

/**
 * What one account's PBX may make the service do (docs/security.md, «АТС арендатора»). A PBX
 * that goes beyond any of these has its connection dropped, the reason shown in «Настройки
 * Asterisk», and is connected again after a pause that doubles at each overrun in a row.
 */
export interface ListenerLimits {
  /** AMI events a second, on average; up to `eventBurst` may come at once. */
  eventsPerSecond: number;
  eventBurst: number;
  /** Call events derived and not yet stored. */
  backlog: number;
  /** Channels and calls up at once. */
  tracker: typeof TRACKER_LIMITS;
}

export const LISTENER_LIMITS: ListenerLimits = {
  eventsPerSecond: 1_000,
  eventBurst: 10_000,
  backlog: 2_000,
  tracker: TRACKER_LIMITS,
};

export interface ListenerTiming {
  /** After a dropped connection: the first wait, doubled each time up to the most. */
  retryMs: number;
  maxRetryMs: number;
  /** After an overrun: the first pause, doubled at each overrun in a row up to the most. */
  overrunMs: number;
  maxOverrunMs: number;
  /** A connection that stayed within the limits this long forgives the overruns before it. */
  forgiveMs: number;
}

export const LISTENER_TIMING: ListenerTiming = {
  retryMs: 1_000,
  maxRetryMs: 30_000,
  overrunMs: 60_000,
  maxOverrunMs: 30 * 60_000,
  forgiveMs: 10 * 60_000,
};

export interface ListenerSettings {
  limits: ListenerLimits;
  timing: ListenerTiming;
}

/** lastEventAt is written at most this often: the cabinet shows minutes, not milliseconds. */
const EVENT_MARK_MS = 5_000;

export type ListenerState = "connecting" | "connected" | "failed" | "stopped";

/** Which limit a PBX went beyond. */
type Overrun = "events" | "channels" | "calls" | "backlog" | "too-large";

/** Why the connection was dropped and when it is tried again, for «Настройки Asterisk» (stored in Russian, as AMI errors are). */
function overrunMessage(overrun: Overrun, limits: ListenerLimits, retryInMs: number): string {
  const t = translatorFor("ru", "asterisk.ami.overrun");
  const reason =
    overrun === "events"
      ? t("events", { burst: limits.eventBurst, rate: limits.eventsPerSecond })
      : overrun === "channels" || overrun === "calls"
        ? t(overrun, { limit: limits.tracker[overrun] })
        : t(overrun);
  const retry =
    retryInMs < 60_000
      ? t("retryInSeconds", { seconds: Math.ceil(retryInMs / 1000) })
      : t("retryInMinutes", { minutes: Math.ceil(retryInMs / 60_000) });
  return t("dropped", { reason, retry });
}

/**
 * The one AMI event connection of an account (docs/ami-events.md): logs in with events on,
 * takes up the calls already in progress (CoreShowChannels), feeds every event to the call
 * tracker and stores the call events it derives through the same ingest as the dialplan's, in
 * the order they come. A dropped connection or a restarted Asterisk is connected again, waiting
 * 1 s and then twice as long each time, up to 30 s. Everything the PBX can make it hold or do is
 * bounded (ListenerLimits).
 */
export class AccountListener {
  private transport?: AmiTcpTransport;
  private stopped = false;
  private retryMs: number;
  private overrunMs: number;
  private retryTimer?: NodeJS.Timeout;
  private tracker: CallTracker;
  /** Derived events are stored one after the other: a call's hangup never before its "in". */
  private storing: Promise<void> = Promise.resolve();
  private backlog = 0;
  private lastMark = 0;
  /** The event rate's token bucket: events that may still come at once, and when it was filled. */
  private tokens: number;
  private filledAt = Date.now();
  private connectedAt = 0;
  /** Each connection's number: what a connection dropped for an overrun still says is ignored. */
  private attempt = 0;

  constructor(
    private config: ListenerConfig,
    private readonly pool: pg.Pool,
    private readonly settings: ListenerSettings = { limits: LISTENER_LIMITS, timing: LISTENER_TIMING },
  ) {
    this.retryMs = settings.timing.retryMs;
    this.overrunMs = settings.timing.overrunMs;
    this.tokens = settings.limits.eventBurst;
    this.tracker = this.newTracker();
  }

  get accountId(): string {
    return this.config.accountId;
  }

  private newTracker(): CallTracker {
    return new CallTracker(
      { inboundContexts: new Set(this.config.inboundContexts), extensions: new Set(this.config.extensions) },
      this.settings.limits.tracker,
    );
  }

  /** Settings changed without a new connection needed (extensions, inbound contexts, mode). */
  update(config: ListenerConfig): boolean {
    const sameConnection = JSON.stringify(config.endpoint) === JSON.stringify(this.config.endpoint);
    this.config = config;
    this.tracker.update({ inboundContexts: new Set(config.inboundContexts), extensions: new Set(config.extensions) });
    return sameConnection;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.transport?.close().catch(() => undefined);
    await this.storing;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    await this.report("connecting", null);
    try {
      // Events may come before the login's answer is taken: they count from the first one.
      const transport = await AmiTcpTransport.open(this.config.endpoint, {
        onEvent: (event) => {
          if (attempt === this.attempt) this.received(event);
        },
        onClose: (error) => {
          if (attempt === this.attempt) this.lost(error);
        },
      });
      if (attempt !== this.attempt) return transport.destroy();
      if (this.stopped) return void (await transport.close());
      this.transport = transport;
      this.retryMs = this.settings.timing.retryMs;
      this.connectedAt = Date.now();
      await this.report("connected", null);
      log.info({ accountId: this.accountId }, "AMI event connection up");
      // AMI replays nothing: the calls already in progress are taken up from what is up now.
      await this.takeUp(transport);
    } catch (error) {
      // A connection dropped for an overrun has its next try set already.
      if (attempt !== this.attempt) return;
      this.lost(error instanceof AmiError ? error : new AmiError("protocol", String(error)));
    }
  }

  /** The calls in progress (CoreShowChannels); without write=reporting they are not taken up, and said so. */
  private async takeUp(transport: AmiTcpTransport): Promise<void> {
    try {
      const attempt = this.attempt;
      for (const channel of await transport.list({ Action: "CoreShowChannels" })) {
        if (attempt !== this.attempt) return;
        this.received(channel);
      }
    } catch (error) {
      if (!(error instanceof AmiError) || (error.kind !== "permission" && error.kind !== "refused")) throw error;
      log.warn(
        { accountId: this.accountId, err: error },
        "the AMI user may not list channels (write = reporting): calls already in progress are not taken up",
      );
    }
  }

  private lost(error: AmiError): void {
    this.transport = undefined;
    if (this.stopped) return;
    if (error.kind === "too-large") return this.overran("too-large");
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.settings.timing.maxRetryMs);
    log.warn({ accountId: this.accountId, err: error, retryInMs: delay }, "AMI event connection lost; reconnecting");
    // The cabinet shows it to the admin: in the guide's words.
    void this.report(error.kind === "closed" ? "connecting" : "failed", amiErrorMessage(error));
    this.retryIn(delay);
  }

  private retryIn(delay: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  /**
   * The PBX went beyond a limit: its connection is dropped at once, what it made the tracker hold
   * is let go (the calls in progress are taken up again from CoreShowChannels on the next
   * connection), the admin is told why, and the next try waits longer at each overrun in a row.
   */
  private overran(overrun: Overrun): void {
    this.attempt += 1;
    const transport = this.transport;
    this.transport = undefined;
    transport?.destroy();
    const { timing, limits } = this.settings;
    const now = Date.now();
    if (this.connectedAt > 0 && now - this.connectedAt > timing.forgiveMs) this.overrunMs = timing.overrunMs;
    const delay = this.overrunMs;
    this.overrunMs = Math.min(this.overrunMs * 2, timing.maxOverrunMs);
    this.connectedAt = 0;
    this.tracker = this.newTracker();
    this.tokens = limits.eventBurst;
    this.filledAt = now;
    log.warn(
      { accountId: this.accountId, overrun, retryInMs: delay },
      "the PBX went beyond a limit of its AMI event connection; dropping it",
    );
    void this.report("failed", overrunMessage(overrun, limits, delay));
    this.retryIn(delay);
  }

  /** Takes one event from the rate's bucket; false when the PBX sends more than it may. */
  private takeToken(now: number): boolean {
    const { eventsPerSecond, eventBurst } = this.settings.limits;
    this.tokens = Math.min(eventBurst, this.tokens + ((now - this.filledAt) * eventsPerSecond) / 1000);
    this.filledAt = now;
    this.tokens -= 1;
    return this.tokens >= 0;
  }

  private received(event: AmiMessage): void {
    const now = Date.now();
    if (!this.takeToken(now)) return this.overran("events");
    let derived: DerivedEvent[];
    try {
      derived = this.tracker.handle(event, now);
    } catch (error) {
      if (error instanceof TrackerLimitError) return this.overran(error.limit);
      throw error;
    }
    if (now - this.lastMark > EVENT_MARK_MS) {
      this.lastMark = now;
      void this.pool
        .query(`UPDATE "ami_listeners" SET "lastEventAt" = now() WHERE "accountId" = $1`, [this.accountId])
        .catch(() => undefined);
    }
    if (this.backlog + derived.length > this.settings.limits.backlog) return this.overran("backlog");
    for (const call of derived) {
      this.backlog += 1;
      this.storing = this.storing.then(() => this.store(call).finally(() => (this.backlog -= 1)));
    }
  }

  /** Stores a derived event as the dialplan would have reported it; in «both» mode a ring the dialplan reported is not repeated. */
  private async store(event: DerivedEvent): Promise<void> {
    const read = readEventParams({
      clientId: this.config.clientId,
      type: event.type,
      uniqueid: event.uniqueid,
      phone: event.phone || "anonymous",
      date: event.date,
      ...(event.code ? { code: event.code } : {}),
      ...(event.status ? { status: event.status } : {}),
      ...(event.hold !== undefined ? { hold: String(event.hold) } : {}),
      ...(event.duration !== undefined ? { duration: String(event.duration) } : {}),
      ...(event.direct ? { direct: event.direct } : {}),
      ...(event.externalPhone ? { externalPhone: event.externalPhone } : {}),
      // The PBX uploads the file later (cdr-sync.sh): the upload links to the call's recording, to come.
      ...(event.recordingFile ? { recording: "upload" } : {}),
    });
    if (!read.ok || read.params.type === "upload") {
      log.warn(
        { accountId: this.accountId, event, problem: read.ok ? "upload" : read.message },
        "a derived call event could not be stored",
      );
      return;
    }
    for (let delay = 200; !this.stopped; delay = Math.min(delay * 2, 5_000)) {
      try {
        if (event.type === "in" && this.config.mode === "BOTH" && (await this.dialplanRang(event))) return;
        if (event.recordingFile)
          await this.pool.query(
            `INSERT INTO "recording_files" ("accountId", "file", "uniqueid") VALUES ($1, $2, $3)
             ON CONFLICT ("accountId", "file") DO UPDATE SET "uniqueid" = EXCLUDED."uniqueid"`,
            [this.accountId, event.recordingFile, event.uniqueid],
          );
        await ingestCallEvent(
          this.accountId,
          { ...read.params, type: read.params.type },
          { ring: event.type === "in" ? event.code : undefined, source: "ami" },
        );
        return;
      } catch (error) {
        log.warn(
          { accountId: this.accountId, err: error, retryInMs: delay },
          "storing a call event from AMI failed; trying again",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Whether the dialplan already reported this ring (its "in" named the extension, or rang everyone). */
  private async dialplanRang(event: DerivedEvent): Promise<boolean> {
    const { rows } = await this.pool.query<{ codes: string[] | null }>(
      `SELECT "codes" FROM "call_events" WHERE "accountId" = $1 AND "uniqueid" = $2 AND "type" = 'IN' AND "ring" = ''`,
      [this.accountId, event.uniqueid],
    );
    const codes = rows[0]?.codes;
    return codes !== undefined && (codes === null || codes.length === 0 || codes.includes(event.code ?? ""));
  }

  private async report(state: ListenerState, error: string | null): Promise<void> {
    await this.pool
      .query(
        `UPDATE "ami_listeners" SET "state" = $2, "lastError" = COALESCE($3, CASE WHEN $2 = 'connected' THEN NULL ELSE "lastError" END),
          "connectedAt" = CASE WHEN $2 = 'connected' THEN now() ELSE "connectedAt" END, "updatedAt" = now()
         WHERE "accountId" = $1`,
        [this.accountId, state, error],
      )
      .catch((failure: unknown) =>
        log.warn({ accountId: this.accountId, err: failure }, "saving the AMI connection's state failed"),
      );
  }
}
