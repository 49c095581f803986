import type pg from "pg";
import { amiErrorMessage } from "@/lib/asterisk/ami/check";
import { AmiError } from "@/lib/asterisk/ami/errors";
import type { AmiMessage } from "@/lib/asterisk/ami/message";
import { AmiTcpTransport } from "@/lib/asterisk/ami/tcp";
import type { AmiEndpoint } from "@/lib/asterisk/ami/transport";
import { ingestCallEvent } from "@/lib/calls";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { CallTracker, type DerivedEvent } from "./tracker";

/** What the listener of one account needs to know (read from its settings when it starts). */
export interface ListenerConfig {
  accountId: string;
  clientId: string;
  endpoint: AmiEndpoint;
  mode: "AMI" | "BOTH";
  inboundContexts: string[];
  extensions: string[];
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** lastEventAt is written at most this often: the cabinet shows minutes, not milliseconds. */
const EVENT_MARK_MS = 5_000;

export type ListenerState = "connecting" | "connected" | "failed" | "stopped";

/**
 * The one AMI event connection of an account (docs/ami-events.md): logs in with events on,
 * takes up the calls already in progress (CoreShowChannels), feeds every event to the call
 * tracker and stores the call events it derives through the same ingest as the dialplan's, in
 * the order they come. A dropped connection or a restarted Asterisk is connected again, waiting
 * 1 s and then twice as long each time, up to 30 s.
 */
export class AccountListener {
  private transport?: AmiTcpTransport;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer?: NodeJS.Timeout;
  private readonly tracker: CallTracker;
  /** Derived events are stored one after the other: a call's hangup never before its "in". */
  private storing: Promise<void> = Promise.resolve();
  private lastMark = 0;

  constructor(
    private config: ListenerConfig,
    private readonly pool: pg.Pool,
  ) {
    this.tracker = new CallTracker({
      inboundContexts: new Set(config.inboundContexts),
      extensions: new Set(config.extensions),
    });
  }

  get accountId(): string {
    return this.config.accountId;
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
    await this.report("connecting", null);
    try {
      const transport = await AmiTcpTransport.open(this.config.endpoint, {
        onEvent: (event) => this.received(event),
        onClose: (error) => this.lost(error),
      });
      if (this.stopped) return void (await transport.close());
      this.transport = transport;
      this.retryMs = FIRST_RETRY_MS;
      await this.report("connected", null);
      log.info({ accountId: this.accountId }, "AMI event connection up");
      // AMI replays nothing: the calls already in progress are taken up from what is up now.
      await this.takeUp(transport);
    } catch (error) {
      this.lost(error instanceof AmiError ? error : new AmiError("protocol", String(error)));
    }
  }

  /** The calls in progress (CoreShowChannels); without write=reporting they are not taken up, and said so. */
  private async takeUp(transport: AmiTcpTransport): Promise<void> {
    try {
      for (const channel of await transport.list({ Action: "CoreShowChannels" })) this.received(channel);
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
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    log.warn({ accountId: this.accountId, err: error, retryInMs: delay }, "AMI event connection lost; reconnecting");
    // The cabinet shows it to the admin: in the guide's words.
    void this.report(error.kind === "closed" ? "connecting" : "failed", amiErrorMessage(error));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private received(event: AmiMessage): void {
    const now = Date.now();
    const derived = this.tracker.handle(event, now);
    if (now - this.lastMark > EVENT_MARK_MS) {
      this.lastMark = now;
      void this.pool
        .query(`UPDATE "ami_listeners" SET "lastEventAt" = now() WHERE "accountId" = $1`, [this.accountId])
        .catch(() => undefined);
    }
    for (const call of derived) this.storing = this.storing.then(() => this.store(call));
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
