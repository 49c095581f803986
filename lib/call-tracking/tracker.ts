import { isClickId } from "@/lib/telephony/click-id";
import type { AmiMessage } from "@/lib/asterisk/ami/message";

/**
 * Calls derived from AMI events as a real Asterisk sends them (docs/ami-events.md). Every channel
 * of a call shares its Linkedid; the call is keyed by the Uniqueid of the channel that runs its
 * dialplan (the one the dialplan itself reports as UNIQUEID), so that a call seen both ways is
 * one call. The tracker is pure: events in, derived call events out, with the time given.
 */

/** A call event as the dialplan would have reported it (docs/dialplan-api.md), for the one ingest path. */
export interface DerivedEvent {
  type: "in" | "out" | "hangup";
  uniqueid: string;
  /** The Linkedid the call's channels share: its lines in the CDR carry it (docs/ami-events.md, «Пропуски»). */
  linkedid: string;
  phone: string;
  /** The extension rung (in), the manager (out, hangup) when known. */
  code?: string;
  status?: string;
  /** Seconds waited before the answer and talked. */
  hold?: number;
  duration?: number;
  direct?: "in" | "out";
  /** "Y-m-d H:i:s" of the moment the event stands for: the start (in, out) or the end (hangup). */
  date: string;
  /** The recording MixMonitor writes for the call, when one was seen (the PBX uploads it). */
  recordingFile?: string;
  /** The company's number an incoming call came in on: the extension its channel was born at. */
  externalPhone?: string;
}

export interface TrackerSettings {
  /** Contexts where calls from outside enter the PBX. */
  inboundContexts: ReadonlySet<string>;
  /** Contexts the account's managers call outside from: an outgoing call is this account's only when dialled there. */
  outboundContexts: ReadonlySet<string>;
  /** The account's mapped extensions: who is a manager. */
  extensions: ReadonlySet<string>;
}

interface Channel {
  uniqueid: string;
  linkedid: string;
  name: string;
  /** The context and state it was created in: an inbound context and Ring mark a call from outside. */
  firstContext: string;
  firstState: string;
  callerIdNum: string;
  exten: string;
  /** MIXMONITOR_FILENAME, the one channel variable a call needs (the recording it makes). */
  recordingFile?: string;
  /** What a CoreShowChannels listing said it runs (Dial, Queue, AppDial, …); empty for a channel seen live. */
  application: string;
}

interface TrackedCall {
  key: string;
  /** Every Linkedid whose channels are part of it (transfers merge more in). */
  linkedids: string[];
  direction: "in" | "out";
  phone: string;
  startedAt: number;
  /** The channel whose hangup ends the call (the one running its dialplan). */
  root: string;
  /** Extensions sent an "in" (incoming), in order. */
  rung: string[];
  /** The manager of an outgoing call. */
  manager?: string;
  outSent: boolean;
  answeredBy?: string;
  answeredAt?: number;
  /** Seconds, when a queue said it (AgentConnect HoldTime, AgentComplete TalkTime). */
  waitSeconds?: number;
  talkSeconds?: number;
  lastDialStatus?: string;
  recordingFile?: string;
  externalPhone?: string;
  /** Its caller was told to routing (docs/ami-routing.md), or it was taken up and is never routed. */
  announced?: boolean;
  /** The manager on the phone in it now (its answerer, the manager of an outgoing call). */
  talker?: string;
}

const UNKNOWN = new Set(["", "<unknown>", "s"]);

/**
 * What one account's PBX can make the tracker hold (docs/security.md, «АТС арендатора»): channels
 * up at once and calls in progress. A PBX that a few thousand people talk through stays well under.
 */
export const TRACKER_LIMITS = { channels: 5_000, calls: 2_000 };

/** The recording of a call, known now (so that a file uploaded later finds its call whatever happens meanwhile). */
export interface RecordingSeen {
  uniqueid: string;
  file: string;
}

/** An incoming call whose caller's number is now known, for naming and routing (docs/ami-routing.md). */
export interface Arrival {
  /** The call's key: the Uniqueid of the channel running the inbound dialplan. */
  key: string;
  /** That channel's name, which Setvar and Redirect name. */
  channel: string;
  phone: string;
  externalPhone?: string;
}

const NO_ARRIVALS: readonly Arrival[] = [];

/** A call taken up from a CoreShowChannels listing whose recording is still to be asked for (Getvar on its key channel). */
export interface RecordingProbe {
  uniqueid: string;
  channel: string;
}

/** A channel of a CoreShowChannels listing, with what the listing said of it and when it began. */
interface Listed {
  channel: Channel;
  event: AmiMessage;
  startedAt: number;
}

/** Applications of the legs a Dial or a Queue rings: not a channel that runs a call's own dialplan. */
const CALLEE_APPLICATIONS = new Set(["AppDial", "AppDial2", "AppQueue"]);

/** The PBX has more channels or calls up at once than the tracker holds. */
export class TrackerLimitError extends Error {
  constructor(
    readonly limit: keyof typeof TRACKER_LIMITS,
    readonly allowed: number,
  ) {
    super(`more than ${allowed} ${limit} at once`);
    this.name = "TrackerLimitError";
  }
}
/** Calls whose root never hung up (an event lost) are forgotten after this. */
const FORGET_AFTER_MS = 12 * 60 * 60_000;
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * The longest value kept of a header (a channel's name, context, extension, ids, numbers): Asterisk's
 * own are at most 80 (names, contexts, extensions) or 150 (ids) characters. A PBX that sends longer
 * ones cannot make each of its channels cost more than this.
 */
const FIELD_MAX = 255;
/** A recording's path (MIXMONITOR_FILENAME) may be longer; one is kept per channel. */
const PATH_MAX = 1024;

function field(event: AmiMessage, name: string, max = FIELD_MAX): string {
  const value = event[name] ?? "";
  return value.length > max ? value.slice(0, max) : value;
}

/** "Y-m-d H:i:s" of a time, in UTC: the clock every time the service records without the PBX's is in. */
export function naiveTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The extension or number a dial string or channel names: "PJSIP/103-00000001" → "103",
 * "Local/102@managers-0000000c;1" → "102", "102@managers" → "102", "trunk/89001234567" →
 * "89001234567", a queue member "Local/103@managers/n" → "103".
 */
export function targetOf(text: string): string {
  let rest = text.trim();
  const slash = rest.indexOf("/");
  if (slash >= 0) rest = rest.slice(slash + 1);
  // A channel name: the part before its sequence number; a dial string: before its context or options.
  const cut = rest.search(/[@;,/&]|-[0-9a-f]{8}/);
  return (cut >= 0 ? rest.slice(0, cut) : rest).trim();
}

/** The number an incoming call was made to, as the trunk gave it: digits, maybe a leading +. */
function calledNumber(exten: string): string | undefined {
  return /^\+?\d{1,20}$/.test(exten) ? exten : undefined;
}

/** A number from outside: digits, maybe a leading +, long enough not to be an extension. */
function isOutsideNumber(value: string, extensions: ReadonlySet<string>): boolean {
  return /^\+?\d{5,20}$/.test(value) && !extensions.has(value);
}

/**
 * The work per event does not depend on how many channels or calls are up: every lookup goes by
 * a key (Uniqueid, Linkedid, call), and only the sweep of stale calls, every ten minutes, walks them.
 */
export class CallTracker {
  private readonly channels = new Map<string, Channel>();
  /** Linkedid → its channels, for what a call learns of channels born before it showed itself. */
  private readonly linkedChannels = new Map<string, Set<Channel>>();
  private readonly calls = new Map<string, TrackedCall>();
  /** Linkedid → call key: every channel of a call, transfers merged in. */
  private readonly links = new Map<string, string>();
  private lastSweep = 0;
  /** Recordings learnt since takeRecordings() was last called. */
  private recordings: RecordingSeen[] = [];
  /** Incoming calls whose caller became known since takeArrivals() was last called. */
  private arrivals: Arrival[] = [];
  /** Extension → the calls it talks on: who is busy, looked up by key. */
  private readonly talking = new Map<string, Set<string>>();

  constructor(
    private settings: TrackerSettings,
    private readonly limits = TRACKER_LIMITS,
  ) {}

  update(settings: TrackerSettings): void {
    this.settings = settings;
  }

  /** Calls in progress (for the cabinet and tests). */
  get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Feeds one event; returns the call events it completes, in order. `received` is when it
   * arrived; an event's own Timestamp (timestampevents = yes) is used instead when it has one.
   * Throws TrackerLimitError when the PBX has more channels or calls up than the limits.
   */
  handle(event: AmiMessage, received: number): DerivedEvent[] {
    const out: DerivedEvent[] = [];
    const stamp = Number(field(event, "Timestamp"));
    const now = stamp > 0 ? Math.round(stamp * 1000) : received;
    switch (field(event, "Event")) {
      case "Newchannel":
        this.newChannel(event, now);
        break;
      case "VarSet":
        this.varSet(event);
        break;
      case "NewCallerid":
        this.touch(event);
        break;
      case "DialBegin":
        this.dialBegin(event, now, out);
        break;
      case "AgentCalled":
        this.ring(event, targetOf(field(event, "Interface") || field(event, "DestChannel")), now, out);
        break;
      case "DialEnd":
        this.dialEnd(event, now);
        break;
      case "AgentConnect":
        this.agentConnect(event, now);
        break;
      case "AgentComplete":
        this.agentComplete(event);
        break;
      case "BlindTransfer":
        this.merge(field(event, "TransfereeLinkedid"), field(event, "TransfererLinkedid"));
        break;
      case "AttendedTransfer":
        this.attendedTransfer(event);
        break;
      case "Hangup":
        this.hangup(event, now, out);
        break;
    }
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      // The first event only starts the clock: the channel it made may be a call's first (a Local trunk's `;1`).
      if (this.lastSweep > 0) this.forgetStale(now);
      this.lastSweep = now;
    }
    return out;
  }

  /** The recordings learnt since the last call, each once: the listener stores them at once. */
  takeRecordings(): RecordingSeen[] {
    const found = this.recordings;
    this.recordings = [];
    return found;
  }

  /** The incoming calls whose caller became known since the last call, each once (asked after every event: none is the rule). */
  takeArrivals(): readonly Arrival[] {
    if (this.arrivals.length === 0) return NO_ARRIVALS;
    const found = this.arrivals;
    this.arrivals = [];
    return found;
  }

  /** A call in progress: whether someone answered it (its caller is bridged), and the extensions it rang. */
  callState(key: string): { answered: boolean; rung: readonly string[] } | undefined {
    const call = this.calls.get(key);
    return call && { answered: call.answeredAt !== undefined, rung: call.rung };
  }

  /** Whether a manager talks on a call the tracker follows (answered it, or makes an outgoing one). */
  onCall(extension: string): boolean {
    return this.talking.has(extension);
  }

  /** A recording learnt for a call (a VarSet, or a Getvar on its key channel after a take-over). */
  recordingOf(uniqueid: string, file: string): void {
    const call = this.calls.get(uniqueid);
    if (!call || !file || call.recordingFile) return;
    call.recordingFile = file.length > PATH_MAX ? file.slice(0, PATH_MAX) : file;
    this.recordings.push({ uniqueid: call.key, file: call.recordingFile });
  }

  private callOf(linkedid: string): TrackedCall | undefined {
    const key = this.links.get(linkedid);
    return key === undefined ? undefined : this.calls.get(key);
  }

  private touch(event: AmiMessage): Channel | undefined {
    const channel = this.channels.get(field(event, "Uniqueid"));
    if (!channel) return undefined;
    const number = field(event, "CallerIDNum");
    if (!UNKNOWN.has(number)) channel.callerIdNum = number;
    const exten = field(event, "Exten");
    if (exten) channel.exten = exten;
    // The customer's number is the root's, once the dialplan has set it.
    const call = this.callOf(channel.linkedid);
    if (call?.root === channel.uniqueid && call.direction === "in" && !UNKNOWN.has(number)) {
      call.phone = number;
      this.announce(call);
    }
    return channel;
  }

  private newChannel(event: AmiMessage, now: number): void {
    const channel: Channel = {
      uniqueid: field(event, "Uniqueid"),
      linkedid: field(event, "Linkedid") || field(event, "Uniqueid"),
      name: field(event, "Channel"),
      firstContext: field(event, "Context"),
      firstState: field(event, "ChannelState"),
      callerIdNum: UNKNOWN.has(field(event, "CallerIDNum")) ? "" : field(event, "CallerIDNum"),
      exten: field(event, "Exten"),
      application: "",
    };
    this.forgetChannel(channel.uniqueid);
    if (this.channels.size >= this.limits.channels) throw new TrackerLimitError("channels", this.limits.channels);
    this.channels.set(channel.uniqueid, channel);
    const linked = this.linkedChannels.get(channel.linkedid);
    if (linked) linked.add(channel);
    else this.linkedChannels.set(channel.linkedid, new Set([channel]));
    if (this.links.has(channel.linkedid)) return;
    if (isClickId(channel.linkedid)) {
      // A call the service placed (click-to-call): the Originate gave it our id.
      this.start({ key: channel.linkedid, direction: "out", phone: "", startedAt: now, root: channel.linkedid });
      return;
    }
    // A channel born ringing in an inbound context is the call from outside, running its dialplan.
    if (this.settings.inboundContexts.has(channel.firstContext) && channel.firstState === "4")
      this.start(
        {
          key: channel.uniqueid,
          direction: "in",
          phone: channel.callerIdNum,
          startedAt: now,
          root: channel.uniqueid,
          externalPhone: calledNumber(channel.exten),
        },
        channel.linkedid,
      );
    const call = this.calls.get(channel.uniqueid);
    if (call) this.announce(call);
  }

  /** Tells routing of an incoming call once its caller's number is known. */
  private announce(call: TrackedCall): void {
    const root = this.channels.get(call.root);
    if (call.announced || call.direction !== "in" || !call.phone || !root) return;
    call.announced = true;
    this.arrivals.push({
      key: call.key,
      channel: root.name,
      phone: call.phone,
      ...(call.externalPhone ? { externalPhone: call.externalPhone } : {}),
    });
  }

  /**
   * A Local channel as the trunk (what placed the call dials `Local/s@<inbound>-…;1`, whose `;2`
   * half runs the inbound dialplan): the number is given first in that DialBegin, for the `;1`
   * half, before the `;2` half shows it in a Dial of its own (the recordings of e2e/fixtures/ami-transcripts).
   */
  private localTrunk(event: AmiMessage): void {
    const dest = this.channels.get(field(event, "DestUniqueid"));
    const number = field(event, "DestCallerIDNum");
    if (!dest?.name.endsWith(";1") || UNKNOWN.has(number)) return;
    const call = this.callOf(dest.linkedid);
    if (call?.direction !== "in" || call.phone) return;
    if (this.channels.get(call.root)?.name !== `${dest.name.slice(0, -2)};2`) return;
    call.phone = number;
    this.announce(call);
  }

  /** Who talks on a call now: the busy managers are looked up by extension. */
  private talks(call: TrackedCall, extension: string | undefined): void {
    if (call.talker === extension) return;
    const before = call.talker === undefined ? undefined : this.talking.get(call.talker);
    before?.delete(call.key);
    if (before?.size === 0) this.talking.delete(call.talker!);
    call.talker = extension;
    if (extension === undefined) return;
    const keys = this.talking.get(extension);
    if (keys) keys.add(call.key);
    else this.talking.set(extension, new Set([call.key]));
  }

  private start(
    call: Omit<TrackedCall, "rung" | "outSent" | "linkedids"> & { outSent?: boolean },
    linkedid = call.key,
  ): void {
    if (this.calls.size >= this.limits.calls && !this.calls.has(call.key))
      throw new TrackerLimitError("calls", this.limits.calls);
    const tracked: TrackedCall = { ...call, linkedids: [linkedid], rung: [], outSent: call.outSent ?? false };
    this.calls.set(call.key, tracked);
    this.links.set(linkedid, call.key);
    // A recording may have started before the call showed itself (MixMonitor before Dial).
    for (const channel of this.linkedChannels.get(linkedid) ?? [])
      if (channel.recordingFile) this.recordingOf(call.key, channel.recordingFile);
  }

  private forgetChannel(uniqueid: string): Channel | undefined {
    const channel = this.channels.get(uniqueid);
    if (!channel) return undefined;
    this.channels.delete(uniqueid);
    const linked = this.linkedChannels.get(channel.linkedid);
    linked?.delete(channel);
    if (linked?.size === 0) this.linkedChannels.delete(channel.linkedid);
    return channel;
  }

  private forgetCall(call: TrackedCall): void {
    this.talks(call, undefined);
    this.calls.delete(call.key);
    for (const linkedid of call.linkedids) if (this.links.get(linkedid) === call.key) this.links.delete(linkedid);
  }

  private varSet(event: AmiMessage): void {
    const channel = this.channels.get(field(event, "Uniqueid"));
    if (!channel) return;
    const name = field(event, "Variable");
    const value = field(event, "Value", PATH_MAX);
    if (name === "MIXMONITOR_FILENAME") channel.recordingFile = value || undefined;
    const call = this.callOf(channel.linkedid);
    if (!call) return;
    if (name === "MIXMONITOR_FILENAME") this.recordingOf(call.key, value);
    if (isClickId(call.key)) {
      if (name === "CRM_CODE" && value) this.talks(call, (call.manager = value));
      if (name === "CRM_PHONE" && value) call.phone = value;
    }
  }

  private dialBegin(event: AmiMessage, now: number, out: DerivedEvent[]): void {
    // The Originate's own dial has no caller channel: it belongs to no dialplan (but may name a Local trunk's caller).
    const caller = this.touch(event);
    if (!caller) return this.localTrunk(event);
    const target = targetOf(field(event, "DialString") || field(event, "DestChannel"));
    const call = this.callOf(caller.linkedid);
    if (call?.direction === "in") return this.ring(event, target, now, out);
    const { extensions } = this.settings;
    const outside = isOutsideNumber(target, extensions) || isOutsideNumber(caller.exten, extensions);
    if (call) {
      if (!call.outSent && outside) this.sendOut(call, caller, target, out);
      return;
    }
    // A manager dialling outside, from one of the account's outbound contexts (another account on
    // the same PBX may map the same extension numbers): an outgoing call, keyed by the channel that dials.
    const manager = [caller.callerIdNum, targetOf(caller.name)].find((value) => extensions.has(value));
    const { outboundContexts } = this.settings;
    const dialledHere = outboundContexts.has(caller.firstContext) || outboundContexts.has(field(event, "Context"));
    if (!manager || !outside || !dialledHere) return;
    this.start(
      { key: caller.uniqueid, direction: "out", phone: "", startedAt: now, root: caller.uniqueid, manager },
      caller.linkedid,
    );
    this.sendOut(this.calls.get(caller.uniqueid)!, caller, target, out);
  }

  private sendOut(call: TrackedCall, caller: Channel, target: string, out: DerivedEvent[]): void {
    const { extensions } = this.settings;
    // The number dialled: the caller's extension in the dialplan (what the manager keyed), else the dial string's.
    call.phone ||= isOutsideNumber(caller.exten, extensions) ? caller.exten : target;
    call.outSent = true;
    this.talks(call, call.manager);
    out.push({
      type: "out",
      uniqueid: call.key,
      linkedid: call.linkedids[0]!,
      phone: call.phone,
      ...(call.manager ? { code: call.manager } : {}),
      date: naiveTime(call.startedAt),
    });
  }

  private ring(event: AmiMessage, target: string, now: number, out: DerivedEvent[]): void {
    const caller = this.channels.get(field(event, "Uniqueid"));
    const call = caller && this.callOf(caller.linkedid);
    if (!call || call.direction !== "in" || !this.settings.extensions.has(target) || call.rung.includes(target)) return;
    if (!UNKNOWN.has(field(event, "CallerIDNum")) && caller!.uniqueid === call.root)
      call.phone = field(event, "CallerIDNum");
    this.announce(call);
    call.rung.push(target);
    out.push({
      type: "in",
      uniqueid: call.key,
      linkedid: call.linkedids[0]!,
      phone: call.phone,
      code: target,
      date: naiveTime(call.startedAt || now),
      ...(call.externalPhone ? { externalPhone: call.externalPhone } : {}),
    });
  }

  private dialEnd(event: AmiMessage, now: number): void {
    const caller = this.channels.get(field(event, "Uniqueid"));
    const call = caller && this.callOf(caller.linkedid);
    if (!call) return;
    const status = field(event, "DialStatus");
    const target = targetOf(field(event, "DialString") || field(event, "DestChannel"));
    if (status === "ANSWER") {
      if (call.direction === "in" && this.settings.extensions.has(target)) this.talks(call, (call.answeredBy = target));
      call.answeredAt ??= now;
      return;
    }
    // A queue's second DialEnd of a leg it gave up on says CANCEL: the first status holds.
    if (status && !(status === "CANCEL" && call.lastDialStatus)) call.lastDialStatus = status;
  }

  private agentConnect(event: AmiMessage, now: number): void {
    const caller = this.channels.get(field(event, "Uniqueid"));
    const call = caller && this.callOf(caller.linkedid);
    if (!call) return;
    const agent = targetOf(field(event, "Interface") || field(event, "DestChannel"));
    if (this.settings.extensions.has(agent)) this.talks(call, (call.answeredBy = agent));
    call.answeredAt ??= now;
    call.waitSeconds = Number(field(event, "HoldTime")) || 0;
  }

  private agentComplete(event: AmiMessage): void {
    const caller = this.channels.get(field(event, "Uniqueid"));
    const call = caller && this.callOf(caller.linkedid);
    if (!call) return;
    call.waitSeconds = Number(field(event, "HoldTime")) || 0;
    call.talkSeconds = Number(field(event, "TalkTime")) || 0;
  }

  /** After a transfer, channels of another Linkedid are part of the call. */
  private merge(...linkedids: string[]): void {
    const key = linkedids.map((linkedid) => this.links.get(linkedid)).find((found) => found !== undefined);
    const call = key === undefined ? undefined : this.calls.get(key);
    if (!call) return;
    for (const linkedid of linkedids) {
      if (!linkedid || this.links.get(linkedid) === call.key) continue;
      this.links.set(linkedid, call.key);
      call.linkedids.push(linkedid);
    }
  }

  /**
   * An attended transfer bridges the caller with the manager the first one consulted (a second
   * call, with a Linkedid of its own): that call's channels join this one, and its target now
   * talks with the customer.
   */
  private attendedTransfer(event: AmiMessage): void {
    this.merge(
      field(event, "TransfereeLinkedid"),
      field(event, "OrigTransfererLinkedid"),
      field(event, "SecondTransfererLinkedid"),
      field(event, "TransferTargetLinkedid"),
    );
    const call = this.callOf(field(event, "TransfereeLinkedid")) ?? this.callOf(field(event, "OrigTransfererLinkedid"));
    const target = targetOf(field(event, "TransferTargetChannel") || field(event, "SecondTransfererChannel"));
    if (call?.direction === "in" && this.settings.extensions.has(target)) this.talks(call, (call.answeredBy = target));
  }

  private hangup(event: AmiMessage, now: number, out: DerivedEvent[]): void {
    const uniqueid = field(event, "Uniqueid");
    const channel = this.forgetChannel(uniqueid);
    const call = channel && this.callOf(channel.linkedid);
    if (!call || call.root !== uniqueid) return;
    this.forgetCall(call);
    // An outgoing call that never dialled outside was no call to a customer.
    if (call.direction === "out" && !call.outSent) return;
    out.push(this.ending(call, now));
  }

  private ending(call: TrackedCall, now: number): DerivedEvent {
    const answered = call.answeredAt !== undefined;
    const status = answered ? "ANSWER" : failedStatus(call.lastDialStatus);
    const code =
      call.direction === "out"
        ? call.manager
        : (call.answeredBy ?? (call.rung.length === 1 ? call.rung[0] : undefined));
    const waited = call.waitSeconds ?? Math.round(((call.answeredAt ?? now) - call.startedAt) / 1000);
    const talked = call.talkSeconds ?? (answered ? Math.round((now - call.answeredAt!) / 1000) : 0);
    return {
      type: "hangup",
      uniqueid: call.key,
      linkedid: call.linkedids[0]!,
      phone: call.phone,
      ...(code ? { code } : {}),
      status,
      hold: Math.max(0, waited),
      duration: Math.max(0, talked),
      direct: call.direction,
      date: naiveTime(now),
      ...(call.recordingFile ? { recordingFile: call.recordingFile } : {}),
      ...(call.externalPhone ? { externalPhone: call.externalPhone } : {}),
    };
  }

  /**
   * The channels up when the connection (re)started (CoreShowChannels), as one listing: calls in
   * progress are taken up as live events would have started them (docs/ami-events.md, «Подхват
   * звонков»), and what happened before (rings, the answer) is read from what their channels are
   * doing now. A channel already seen live is listed too: its call's rings and answer are taken
   * from the listing all the same (an answer may have come before its caller was known). Returns
   * the call events that follow, and the calls taken up whose recording is to be asked for.
   */
  takeUp(
    listing: AmiMessage[],
    received: number,
    known: ReadonlyMap<string, "in" | "out"> = new Map(),
  ): { events: DerivedEvent[]; probes: RecordingProbe[] } {
    const events: DerivedEvent[] = [];
    const probes: RecordingProbe[] = [];
    const groups = new Map<string, Listed[]>();
    for (const event of listing) {
      const uniqueid = field(event, "Uniqueid");
      if (!uniqueid) continue;
      const channel = this.channels.get(uniqueid) ?? this.listedChannel(event, uniqueid);
      channel.application = field(event, "Application");
      const startedAt = received - durationSeconds(field(event, "Duration")) * 1000;
      const group = groups.get(channel.linkedid) ?? [];
      group.push({ channel, event, startedAt });
      groups.set(channel.linkedid, group);
    }
    for (const [linkedid, group] of groups) {
      let call = this.callOf(linkedid);
      if (!call) {
        call = this.startListed(linkedid, group, known, events);
        if (call && !call.recordingFile)
          probes.push({ uniqueid: call.key, channel: this.channels.get(call.root)!.name });
      }
      if (!call) continue;
      for (const { channel, event, startedAt } of group) {
        if (!CALLEE_APPLICATIONS.has(channel.application)) continue;
        const target = targetOf(channel.name);
        const up = field(event, "ChannelState") === "6";
        if (call.direction === "in") {
          this.ring({ Uniqueid: call.root, CallerIDNum: call.phone }, target, received, events);
          if (up && this.settings.extensions.has(target)) {
            this.talks(call, (call.answeredBy ??= target));
            call.answeredAt ??= startedAt;
          }
        } else if (up) call.answeredAt ??= startedAt;
      }
    }
    return { events, probes };
  }

  /** A channel first known from a listing (it was created before the connection). */
  private listedChannel(event: AmiMessage, uniqueid: string): Channel {
    if (this.channels.size >= this.limits.channels) throw new TrackerLimitError("channels", this.limits.channels);
    const channel: Channel = {
      uniqueid,
      linkedid: field(event, "Linkedid") || uniqueid,
      name: field(event, "Channel"),
      firstContext: field(event, "Context"),
      firstState: field(event, "ChannelState"),
      callerIdNum: UNKNOWN.has(field(event, "CallerIDNum")) ? "" : field(event, "CallerIDNum"),
      exten: field(event, "Exten"),
      application: "",
    };
    this.channels.set(uniqueid, channel);
    const linked = this.linkedChannels.get(channel.linkedid);
    if (linked) linked.add(channel);
    else this.linkedChannels.set(channel.linkedid, new Set([channel]));
    return channel;
  }

  /**
   * The call a listed Linkedid is, started as its live events would have started it: a call the
   * account already has (`known`: its key channel's uniqueid, stored before a restart or by
   * another process), a call the service placed (our id), one from outside (keyed by the channel
   * that runs the account's inbound dialplan: not a leg that a Dial or a Queue rings, nor the `;1`
   * half of a Local channel whose `;2` half, the one running the dialplan, is listed too), or a
   * manager dialling outside from an outbound context. None for any other.
   */
  private startListed(
    linkedid: string,
    group: Listed[],
    known: ReadonlyMap<string, "in" | "out">,
    events: DerivedEvent[],
  ): TrackedCall | undefined {
    const names = new Set(group.map(({ channel }) => channel.name));
    const runners = group.filter(
      ({ channel }) =>
        !CALLEE_APPLICATIONS.has(channel.application) &&
        !(channel.name.endsWith(";1") && names.has(`${channel.name.slice(0, -2)};2`)),
    );
    const { inboundContexts, outboundContexts, extensions } = this.settings;
    const stored = group.find(({ channel }) => known.has(channel.uniqueid));
    if (stored && !isClickId(linkedid)) {
      const { channel, startedAt } = stored;
      const direction = known.get(channel.uniqueid)!;
      const manager = [channel.callerIdNum, targetOf(channel.name)].find((value) => extensions.has(value));
      this.start(
        {
          key: channel.uniqueid,
          direction,
          phone: direction === "in" ? channel.callerIdNum : "",
          startedAt,
          root: channel.uniqueid,
          ...(direction === "out" ? { manager, outSent: true } : {}),
          ...(direction === "in" ? { externalPhone: calledNumber(channel.exten), announced: true } : {}),
        },
        linkedid,
      );
      const call = this.calls.get(channel.uniqueid)!;
      if (direction === "out") this.talks(call, manager);
      return call;
    }
    if (isClickId(linkedid)) {
      const root = group.find(({ channel }) => channel.uniqueid === linkedid);
      if (!root) return undefined;
      const phone = isOutsideNumber(root.channel.exten, this.settings.extensions) ? root.channel.exten : "";
      this.start({ key: linkedid, direction: "out", phone, startedAt: root.startedAt, root: linkedid });
      return this.calls.get(linkedid);
    }
    const incoming = runners.find(
      ({ channel, event }) =>
        inboundContexts.has(field(event, "Context")) || inboundContexts.has(localContext(channel.name)),
    );
    if (incoming) {
      const { channel, startedAt } = incoming;
      this.start(
        {
          key: channel.uniqueid,
          direction: "in",
          phone: channel.callerIdNum,
          startedAt,
          root: channel.uniqueid,
          externalPhone: calledNumber(channel.exten),
          announced: true,
        },
        linkedid,
      );
      return this.calls.get(channel.uniqueid);
    }
    for (const { channel, event, startedAt } of runners) {
      const manager = [channel.callerIdNum, targetOf(channel.name)].find((value) => extensions.has(value));
      if (!manager || !outboundContexts.has(field(event, "Context"))) continue;
      if (!isOutsideNumber(channel.exten, extensions)) continue;
      this.start(
        { key: channel.uniqueid, direction: "out", phone: "", startedAt, root: channel.uniqueid, manager },
        linkedid,
      );
      const call = this.calls.get(channel.uniqueid)!;
      this.sendOut(call, channel, channel.exten, events);
      return call;
    }
    return undefined;
  }

  private forgetStale(now: number): void {
    for (const call of [...this.calls.values()]) if (now - call.startedAt >= FORGET_AFTER_MS) this.forgetCall(call);
    for (const [uniqueid, channel] of [...this.channels])
      if (!this.links.has(channel.linkedid)) this.forgetChannel(uniqueid);
  }
}

/** How a call nobody answered ended, as the dialplan's DIALSTATUS would say it. */
function failedStatus(lastDialStatus: string | undefined): string {
  switch (lastDialStatus) {
    case "BUSY":
      return "BUSY";
    case "NOANSWER":
      return "NOANSWER";
    case "CHANUNAVAIL":
    case "CONGESTION":
      return "FAILED";
    default:
      // The caller hung up first, or no one was rung at all.
      return "CANCEL";
  }
}

/** The context a Local channel was made for: "Local/s@from-trunk-0000000a;2" → "from-trunk"; "" for any other channel. */
function localContext(name: string): string {
  return /^Local\/[^@]*@(.+)-[0-9a-f]{8};[12]$/.exec(name)?.[1] ?? "";
}

/** "HH:MM:SS" (CoreShowChannel's Duration) in seconds. */
function durationSeconds(text: string): number {
  const parts = text.split(":").map(Number);
  if (parts.some((n) => !Number.isFinite(n))) return 0;
  return parts.reduce((total, n) => total * 60 + n, 0);
}
