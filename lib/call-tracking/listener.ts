import type pg from "pg";
import { amiErrorMessage } from "@/lib/asterisk/ami/check";
import { isClickId } from "@/lib/telephony/click-id";
import { AmiError } from "@/lib/asterisk/ami/errors";
import { header, type AmiMessage } from "@/lib/asterisk/ami/message";
import { AmiTcpTransport } from "@/lib/asterisk/ami/tcp";
import type { AmiEndpoint } from "@/lib/asterisk/ami/transport";
import { ingestCallEvent } from "@/lib/calls";
import { translatorFor } from "@/lib/i18n/translate";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { CallRouter, type RoutingConfig } from "./routing";
import {
  CallTracker,
  TRACKER_LIMITS,
  TrackerLimitError,
  type DerivedEvent,
  type RecordingProbe,
  type RecordingSeen,
  type TrackerSettings,
} from "./tracker";

/** What the listener of one account needs to know (read from its settings when it starts). */
export interface ListenerConfig {
  accountId: string;
  clientId: string;
  endpoint: AmiEndpoint;
  mode: "AMI" | "BOTH";
  inboundContexts: string[];
  outboundContexts: string[];
  extensions: string[];
  /** When «Настройки Asterisk» were last saved: a save logs in anew, for the rights are fixed at login. */
  savedAt: number;
  /** The CRM the callers are looked up in, for naming and routing them (docs/ami-routing.md). */
  crmUrl: string;
  apiKeyEnc: string;
  routing: RoutingConfig;
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
  /** The AMI user may not list channels: logged in anew after this, doubled each time up to the most. */
  rightsMs: number;
  maxRightsMs: number;
}

export const LISTENER_TIMING: ListenerTiming = {
  retryMs: 1_000,
  maxRetryMs: 30_000,
  overrunMs: 60_000,
  maxOverrunMs: 30 * 60_000,
  forgiveMs: 10 * 60_000,
  rightsMs: 60_000,
  maxRightsMs: 10 * 60_000,
};

export interface ListenerSettings {
  limits: ListenerLimits;
  timing: ListenerTiming;
}

/** lastEventAt is written at most this often: the cabinet shows minutes, not milliseconds. */
const EVENT_MARK_MS = 5_000;

export type ListenerState = "connecting" | "connected" | "failed" | "stopped";

/** Derived work stored in order: a call event, or a recording learnt for a call. */
type Stored = { event: DerivedEvent } | { recording: RecordingSeen };

/** Click-to-call ids this listener checked with the database: whose they are does not change. */
const CLICK_OWNERS_KEPT = 1_000;

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
  return t("dropped", { reason, retry: retryText(retryInMs) });
}

/** "через 1 мин", as the cabinet says when the next try is. */
function retryText(retryInMs: number): string {
  const t = translatorFor("ru", "asterisk.ami.overrun");
  return retryInMs < 60_000
    ? t("retryInSeconds", { seconds: Math.ceil(retryInMs / 1000) })
    : t("retryInMinutes", { minutes: Math.ceil(retryInMs / 60_000) });
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
  /** Events read while the calls in progress are being taken up, with when they came (docs/ami-events.md). */
  private held: { event: AmiMessage; at: number }[] | null = null;
  private rightsMs: number;
  private reloginTimer?: NodeJS.Timeout;
  /** Click-to-call ids seen in events, and whether this account placed them. */
  private readonly clickOwners = new Map<string, boolean>();
  private readonly router: CallRouter;

  constructor(
    private config: ListenerConfig,
    private readonly pool: pg.Pool,
    private readonly settings: ListenerSettings = { limits: LISTENER_LIMITS, timing: LISTENER_TIMING },
  ) {
    this.retryMs = settings.timing.retryMs;
    this.overrunMs = settings.timing.overrunMs;
    this.rightsMs = settings.timing.rightsMs;
    this.tokens = settings.limits.eventBurst;
    this.tracker = this.newTracker();
    this.router = new CallRouter(
      this.lookupAccount(),
      config.routing,
      () => this.tracker,
      (action) => this.transport?.send(action) ?? Promise.reject(new AmiError("closed", "no AMI connection")),
      (message) => void this.warn(message),
    );
  }

  private lookupAccount() {
    return { id: this.config.accountId, crmUrl: this.config.crmUrl, apiKeyEnc: this.config.apiKeyEnc };
  }

  get accountId(): string {
    return this.config.accountId;
  }

  private trackerSettings(): TrackerSettings {
    return {
      inboundContexts: new Set(this.config.inboundContexts),
      outboundContexts: new Set(this.config.outboundContexts),
      extensions: new Set(this.config.extensions),
    };
  }

  private newTracker(): CallTracker {
    return new CallTracker(this.trackerSettings(), this.settings.limits.tracker);
  }

  /**
   * Settings changed without a new connection needed (extensions, contexts, mode); false when it
   * needs one: another server or user, or «Настройки Asterisk» saved again (rights fixed at login).
   */
  update(config: ListenerConfig): boolean {
    const sameConnection =
      JSON.stringify(config.endpoint) === JSON.stringify(this.config.endpoint) &&
      config.savedAt === this.config.savedAt;
    this.config = config;
    this.tracker.update(this.trackerSettings());
    this.router.update(this.lookupAccount(), config.routing);
    return sameConnection;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.router.reset();
    clearTimeout(this.retryTimer);
    clearTimeout(this.reloginTimer);
    await this.transport?.close().catch(() => undefined);
    await this.storing;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    clearTimeout(this.reloginTimer);
    // Until the calls in progress are taken up, what comes is held, then applied around the
    // listing in the order Asterisk sent it (docs/ami-events.md, «Подхват звонков»).
    this.held = [];
    const connecting = this.report("connecting", null);
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
      this.router.loggedIn();
      this.retryMs = this.settings.timing.retryMs;
      this.connectedAt = Date.now();
      const rights = await this.takeUp(transport, attempt);
      await connecting;
      if (attempt !== this.attempt) return;
      await this.report("connected", rights);
      log.info({ accountId: this.accountId }, "AMI event connection up");
    } catch (error) {
      this.applyHeld(this.held ?? []);
      // A connection dropped for an overrun has its next try set already.
      if (attempt !== this.attempt) return;
      this.lost(error instanceof AmiError ? error : new AmiError("protocol", String(error)));
    }
  }

  /**
   * The calls in progress: AMI replays nothing, so they are taken up from CoreShowChannels, with
   * the events that came meanwhile applied before or after the listing as they came before or
   * after its answer, and their recordings asked for (Getvar). Without the right to list channels
   * (write = reporting) nothing is taken up: the message for the admin is returned, and the
   * connection logs in anew after a while (rights are fixed at login: a fixed manager.conf and a
   * reload are seen only then).
   */
  private async takeUp(transport: AmiTcpTransport, attempt: number): Promise<string | null> {
    let split = -1;
    let listing: AmiMessage[] | null = null;
    let rights: string | null = null;
    try {
      listing = await transport.list({ Action: "CoreShowChannels" }, () => (split = this.held?.length ?? -1));
    } catch (error) {
      if (!(error instanceof AmiError) || (error.kind !== "permission" && error.kind !== "refused")) throw error;
      rights = this.rightsMissing();
    }
    if (attempt !== this.attempt) return rights;
    const held = this.held ?? [];
    this.held = null;
    this.applyHeld(split < 0 ? held : held.slice(0, split));
    let probes: RecordingProbe[] = [];
    if (listing) {
      const known = await this.knownCalls(listing);
      try {
        const taken = this.tracker.takeUp(listing, Date.now(), known);
        this.keep(taken.events);
        probes = taken.probes;
      } catch (error) {
        if (!(error instanceof TrackerLimitError)) throw error;
        this.overran(error.limit);
        return null;
      }
    }
    if (split >= 0) this.applyHeld(held.slice(split));
    await this.probeRecordings(transport, attempt, probes);
    return rights;
  }

  /** Which listed channels are calls this account has (stored before a restart, or by another process), and which way. */
  private async knownCalls(listing: AmiMessage[]): Promise<Map<string, "in" | "out">> {
    const uniqueids = listing.map((event) => header(event, "Uniqueid") ?? "").filter(Boolean);
    const { rows } = await this.pool.query<{ uniqueid: string; direction: "IN" | "OUT" | null }>(
      `SELECT "uniqueid", "direction" FROM "calls" WHERE "accountId" = $1 AND "uniqueid" = ANY($2::text[])`,
      [this.accountId, uniqueids],
    );
    return new Map(rows.map((row) => [row.uniqueid, row.direction === "OUT" ? "out" : "in"]));
  }

  private applyHeld(held: { event: AmiMessage; at: number }[]): void {
    for (const { event, at } of held) {
      if (this.held !== null && this.held !== held) return;
      this.apply(event, at);
    }
  }

  /** Getvar MIXMONITOR_FILENAME on each taken-up call's key channel: the file its VarSet named before we listened. */
  private async probeRecordings(transport: AmiTcpTransport, attempt: number, probes: RecordingProbe[]): Promise<void> {
    for (const probe of probes) {
      let reply: AmiMessage;
      try {
        reply = await transport.send({ Action: "Getvar", Channel: probe.channel, Variable: "MIXMONITOR_FILENAME" });
      } catch {
        return;
      }
      if (attempt !== this.attempt) return;
      if (header(reply, "Response") !== "Success") {
        log.warn(
          { accountId: this.accountId, message: header(reply, "Message") },
          "Getvar of a call's recording refused",
        );
        return;
      }
      this.tracker.recordingOf(probe.uniqueid, header(reply, "Value") ?? "");
      this.keepRecordings();
    }
  }

  /** Says which right the AMI user lacks, and logs in anew after a pause that grows. */
  private rightsMissing(): string {
    const delay = this.rightsMs;
    this.rightsMs = Math.min(this.rightsMs * 2, this.settings.timing.maxRightsMs);
    const attempt = this.attempt;
    clearTimeout(this.reloginTimer);
    this.reloginTimer = setTimeout(() => {
      if (attempt !== this.attempt || this.stopped) return;
      this.transport?.destroy();
      this.transport = undefined;
      void this.connect();
    }, delay);
    this.reloginTimer.unref();
    log.warn(
      { accountId: this.accountId, reloginInMs: delay },
      "the AMI user may not list channels (write = reporting): calls in progress are not taken up",
    );
    const t = translatorFor("ru", "asterisk.ami.rights");
    return t("cannotList", { retry: retryText(delay) });
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
    this.router.reset();
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
    // Held events took their tokens: the event rate's burst bounds how many are held.
    if (this.held) return void this.held.push({ event, at: now });
    this.apply(event, now);
  }

  /** Feeds an event to the tracker and keeps what it derives. */
  private apply(event: AmiMessage, at: number): void {
    let derived: DerivedEvent[];
    try {
      derived = this.tracker.handle(event, at);
    } catch (error) {
      if (error instanceof TrackerLimitError) return this.overran(error.limit);
      throw error;
    }
    this.route(event, derived);
    if (at - this.lastMark > EVENT_MARK_MS) {
      this.lastMark = at;
      void this.pool
        .query(`UPDATE "ami_listeners" SET "lastEventAt" = now() WHERE "accountId" = $1`, [this.accountId])
        .catch(() => undefined);
    }
    this.keep(derived);
  }

  /** Tells routing what the event changed (docs/ami-routing.md): callers now known, Dials of managers ended, calls ended. */
  private route(event: AmiMessage, derived: DerivedEvent[]): void {
    const arrived = performance.now();
    this.router.observe(event);
    for (const arrival of this.tracker.takeArrivals()) this.router.arrive(arrival, arrived);
    for (const ended of derived) if (ended.type === "hangup") this.router.ended(ended.uniqueid);
  }

  /** What routing could not do, for «Настройки Asterisk» (the connection itself is up). */
  private async warn(message: string): Promise<void> {
    await this.pool
      .query(`UPDATE "ami_listeners" SET "lastError" = $2, "updatedAt" = now() WHERE "accountId" = $1`, [
        this.accountId,
        message,
      ])
      .catch((failure: unknown) =>
        log.warn({ accountId: this.accountId, err: failure }, "saving the AMI connection's state failed"),
      );
  }

  /** Queues derived call events, and the recordings learnt meanwhile, to be stored in order. */
  private keep(derived: DerivedEvent[]): void {
    this.keepRecordings();
    if (this.backlog + derived.length > this.settings.limits.backlog) return this.overran("backlog");
    for (const event of derived) this.queue({ event });
  }

  /** A recording learnt is stored at once: a file uploaded later finds its call whatever happens to us meanwhile. */
  private keepRecordings(): void {
    for (const recording of this.tracker.takeRecordings()) this.queue({ recording });
  }

  private queue(work: Stored): void {
    this.backlog += 1;
    this.storing = this.storing.then(() => this.store(work).finally(() => (this.backlog -= 1)));
  }

  /**
   * Whether a call the service placed (its id in the Linkedid) was placed for this account: every
   * AMI user of a PBX gets every event, other accounts' clicks included (docs/ami-events.md).
   */
  private async ownsClick(clickId: string): Promise<boolean> {
    const known = this.clickOwners.get(clickId);
    if (known !== undefined) return known;
    const { rowCount } = await this.pool.query(`SELECT 1 FROM "calls" WHERE "accountId" = $1 AND "uniqueid" = $2`, [
      this.accountId,
      clickId,
    ]);
    const owned = (rowCount ?? 0) > 0;
    if (this.clickOwners.size >= CLICK_OWNERS_KEPT) this.clickOwners.delete(this.clickOwners.keys().next().value!);
    this.clickOwners.set(clickId, owned);
    return owned;
  }

  /** Stores a derived event, or a recording's file, retrying while the database is away. */
  private async store(work: Stored): Promise<void> {
    const uniqueid = "event" in work ? work.event.uniqueid : work.recording.uniqueid;
    for (let delay = 200; !this.stopped; delay = Math.min(delay * 2, 5_000)) {
      try {
        if (isClickId(uniqueid) && !(await this.ownsClick(uniqueid))) return;
        if ("recording" in work) return await this.storeRecording(work.recording);
        return await this.storeEvent(work.event);
      } catch (error) {
        log.warn(
          { accountId: this.accountId, err: error, retryInMs: delay },
          "storing what AMI said of a call failed; trying again",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async storeRecording({ uniqueid, file }: RecordingSeen): Promise<void> {
    await this.pool.query(
      `INSERT INTO "recording_files" ("accountId", "file", "uniqueid") VALUES ($1, $2, $3)
       ON CONFLICT ("accountId", "file") DO UPDATE SET "uniqueid" = EXCLUDED."uniqueid"`,
      [this.accountId, file, uniqueid],
    );
  }

  /** Stores a derived event as the dialplan would have reported it; in «both» mode a ring the dialplan reported is not repeated. */
  private async storeEvent(event: DerivedEvent): Promise<void> {
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
    if (event.type === "in" && this.config.mode === "BOTH" && (await this.dialplanRang(event))) return;
    if (event.recordingFile) await this.storeRecording({ uniqueid: event.uniqueid, file: event.recordingFile });
    await ingestCallEvent(
      this.accountId,
      { ...read.params, type: read.params.type },
      { ring: event.type === "in" ? event.code : undefined, source: "ami", linkedid: event.linkedid },
    );
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
