import { header, type AmiAction, type AmiMessage } from "@/lib/asterisk/ami/message";
import { answerCaller, type LookupAccount } from "@/lib/dialplan";
import { translatorFor } from "@/lib/i18n/translate";
import { log } from "@/lib/log";
import { TRACKER_LIMITS, targetOf, type Arrival, type CallTracker } from "./tracker";

/** «Настройки Asterisk»'s naming and routing over AMI (docs/ami-routing.md). */
export interface RoutingConfig {
  /** Setvar CALLERID(name) on an incoming caller as soon as the CRM names them. */
  name: boolean;
  /** Redirect an incoming caller to their responsible manager. */
  route: boolean;
  /** Where dialling an extension rings the manager's phone (from-internal on FreePBX). */
  context: string;
  /** How long the manager's phone may ring before the caller goes to the fallback. */
  answerMs: number;
  /** Where a caller whose manager did not answer, was busy or unavailable goes: the queue or IVR the call would have reached. */
  fallback: { context: string; exten: string; priority: string } | null;
}

/**
 * Decisions in flight at once for one account: each is a lookup and a few AMI actions. A PBX that
 * sends more new callers at once than this has the rest left to its own dialplan.
 */
export const ROUTING_DECISIONS_MAX = 100;

/** Routed calls remembered (until they end) before those the tracker no longer has are let go: as many as it holds. */
const ROUTED_KEPT = TRACKER_LIMITS.calls;

/** A Dial that ended so tells that the manager will not answer: the caller goes to the fallback at once. */
const FAILED_DIALS = new Set(["BUSY", "NOANSWER", "CHANUNAVAIL", "CONGESTION"]);

/** ExtensionState's Status of a phone that may be rung: -1 (no hint: the service's own tracking says) and 0 Idle. */
const FREE_STATES = new Set([-1, 0]);

type Send = (action: AmiAction) => Promise<AmiMessage>;

interface Routed {
  /** The manager's extension the caller was sent to. */
  manager: string;
  channel: string;
  /** Until the manager answers, the Dial fails or the time is up; then nothing more is done for the call. */
  ringing: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Names an account's incoming callers and sends them to their responsible manager over its AMI
 * event connection (docs/ami-routing.md): Setvar CALLERID(name) as soon as the CRM (or the cache)
 * names the caller; a Redirect to the manager's extension when the chain of managers has one who
 * is free, once per call and only while the caller is not bridged; and back to the admin's
 * fallback when the manager does not answer in time or the Dial fails. A decision that fails
 * (an AMI error, a timeout) leaves the call to the PBX's own dialplan.
 */
export class CallRouter {
  private readonly routed = new Map<string, Routed>();
  private deciding = 0;
  /** The AMI user lacks write = call on this connection: nothing more is tried until the next login. */
  private denied = false;

  constructor(
    private account: LookupAccount,
    private config: RoutingConfig,
    private readonly tracker: () => CallTracker,
    private readonly send: Send,
    private readonly warn: (message: string) => void,
  ) {}

  update(account: LookupAccount, config: RoutingConfig): void {
    this.account = account;
    this.config = config;
  }

  /** A new login: the rights it has are asked for again by the next action. */
  loggedIn(): void {
    this.denied = false;
  }

  /** An incoming caller is known (`arrived`: performance.now() of the event that told it). */
  arrive(arrival: Arrival, arrived: number): void {
    if (!(this.config.name || this.config.route) || this.denied) return;
    if (this.deciding >= ROUTING_DECISIONS_MAX) {
      log.warn({ accountId: this.account.id, uniqueid: arrival.key }, "too many callers at once: left to the dialplan");
      return;
    }
    this.deciding += 1;
    void this.decide(arrival, arrived)
      .catch((error: unknown) =>
        log.warn(
          { accountId: this.account.id, uniqueid: arrival.key, err: error },
          "naming or routing a caller failed; the call is left to the dialplan",
        ),
      )
      .finally(() => (this.deciding -= 1));
  }

  private async decide(arrival: Arrival, arrived: number): Promise<void> {
    const { route } = this.config;
    const { extension } = await answerCaller(this.account, arrival.phone, arrival.externalPhone, arrived, {
      named: (callerId) => this.name(arrival, callerId),
      ...(route ? { free: (candidate: string) => this.free(candidate) } : {}),
    });
    if (route && extension) await this.redirect(arrival, extension);
  }

  /** Setvar CALLERID(name) on the caller: the phones of the Dials made after it show the name. */
  private name(arrival: Arrival, callerId: string): void {
    if (!this.config.name || !callerId || this.denied) return;
    const state = this.tracker().callState(arrival.key);
    if (!state) return;
    // Sent after the PBX rang someone, it changes only the caller's own channel (docs/ami-routing.md).
    if (state.rung.length > 0)
      log.info({ accountId: this.account.id, uniqueid: arrival.key }, "the caller was named after their call rang");
    void this.act(arrival.key, {
      Action: "Setvar",
      Channel: arrival.channel,
      Variable: "CALLERID(name)",
      Value: callerId,
    }).catch((error: unknown) =>
      log.warn({ accountId: this.account.id, uniqueid: arrival.key, err: error }, "naming a caller failed"),
    );
  }

  /** Not on a call the service follows, and not in use, busy, ringing or unavailable by the phone's hint. */
  private async free(extension: string): Promise<boolean> {
    if (this.tracker().onCall(extension)) return false;
    const reply = await this.send({ Action: "ExtensionState", Exten: extension, Context: this.config.context });
    if (header(reply, "Response") !== "Success") {
      log.warn(
        { accountId: this.account.id, extension, message: header(reply, "Message") },
        "ExtensionState refused: the manager's phone is taken as free",
      );
      return true;
    }
    return FREE_STATES.has(Number(header(reply, "Status")));
  }

  /** Sends the caller to the manager's extension, once per call, unless the caller is bridged or gone. */
  private async redirect(arrival: Arrival, manager: string): Promise<void> {
    const { key, channel } = arrival;
    const state = this.tracker().callState(key);
    if (!state || this.routed.has(key) || this.denied) return;
    if (state.answered) {
      log.info({ accountId: this.account.id, uniqueid: key }, "the caller is bridged already: not routed");
      return;
    }
    if (this.routed.size >= ROUTED_KEPT) this.forgetEnded();
    const routed: Routed = { manager, channel, ringing: true };
    this.routed.set(key, routed);
    routed.timer = setTimeout(() => void this.fallBack(key, "no answer in time"), this.config.answerMs);
    routed.timer.unref();
    const { context } = this.config;
    let sent = false;
    try {
      sent = await this.act(key, {
        Action: "Redirect",
        Channel: channel,
        Context: context,
        Exten: manager,
        Priority: "1",
      });
    } finally {
      // Refused, or no answer at all: the call is the dialplan's, and nothing more is done for it.
      if (!sent) this.settle(routed);
    }
    if (sent) log.info({ accountId: this.account.id, uniqueid: key, manager }, "caller sent to their manager");
  }

  /** The calls routed whose end was never seen (an event lost) are let go once there are many. */
  private forgetEnded(): void {
    const tracker = this.tracker();
    for (const [key, routed] of this.routed)
      if (!tracker.callState(key)) {
        this.settle(routed);
        this.routed.delete(key);
      }
  }

  /** What Asterisk says of the call after the Redirect: the manager's Dial answered, or failed. */
  observe(event: AmiMessage): void {
    if (this.routed.size === 0 || event.Event !== "DialEnd") return;
    const key = event.Uniqueid ?? "";
    const routed = this.routed.get(key);
    if (!routed?.ringing || targetOf(event.DialString || event.DestChannel || "") !== routed.manager) return;
    const status = event.DialStatus ?? "";
    if (status === "ANSWER") this.settle(routed);
    else if (FAILED_DIALS.has(status)) void this.fallBack(key, status);
  }

  /** The caller goes where the admin said the call would have gone, never back into routing, and never once bridged. */
  private async fallBack(key: string, why: string): Promise<void> {
    const routed = this.routed.get(key);
    if (!routed?.ringing) return;
    this.settle(routed);
    const state = this.tracker().callState(key);
    const fallback = this.config.fallback;
    if (!state || state.answered || !fallback) return;
    const sent = await this.act(key, {
      Action: "Redirect",
      Channel: routed.channel,
      Context: fallback.context,
      Exten: fallback.exten,
      Priority: fallback.priority,
    }).catch((error: unknown) => {
      log.warn({ accountId: this.account.id, uniqueid: key, err: error }, "sending a caller back failed");
      return false;
    });
    if (sent) log.info({ accountId: this.account.id, uniqueid: key, why }, "caller sent to the fallback");
  }

  private settle(routed: Routed): void {
    routed.ringing = false;
    clearTimeout(routed.timer);
  }

  /** Sends an action; false (and logged why) when Asterisk refused it. */
  private async act(key: string, action: AmiAction): Promise<boolean> {
    const reply = await this.send(action);
    if (header(reply, "Response") === "Success") return true;
    const message = header(reply, "Message") ?? "";
    log.warn({ accountId: this.account.id, uniqueid: key, action: action.Action, message }, "Asterisk refused");
    if (message === "Permission denied" && !this.denied) {
      this.denied = true;
      this.warn(translatorFor("ru", "asterisk.ami.rights")("cannotRoute"));
    }
    return false;
  }

  /** The call ended: nothing more is done for it. */
  ended(key: string): void {
    const routed = this.routed.get(key);
    if (routed) this.settle(routed);
    this.routed.delete(key);
  }

  /** Everything let go (the tracker was let go too). */
  reset(): void {
    for (const routed of this.routed.values()) this.settle(routed);
    this.routed.clear();
  }
}
