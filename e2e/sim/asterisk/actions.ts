/** Action handling shared by the TCP and HTTP transports: process_message() and the action_*() handlers. */
import { createHash, randomInt } from "node:crypto";
import { ChannelAllocator, originateResponseFields, parseOriginate, reportedUniqueid } from "./originate";
import { allows, EVENT_FLAG, getPerm, isTrue, stringsToMask } from "./permissions";
import { type AmiMessage, ack, actionIdLine, error, eventText, getHeader, headerRecord, response } from "./protocol";
import type { Scheduler } from "./scheduler";
import { EventFilters } from "./filters";
import { Hints } from "./hints";
import type { QueuedEvent, Session } from "./session";
import type { AmiUser, OriginateOutcome, RecordedAction, RecordedOriginate, SimConfig, SimMode } from "./types";

export interface Reply {
  output: string;
  /** Asterisk ends the session after this reply (Logoff, failed Login). */
  close: boolean;
}

type Handler = (session: Session, msg: AmiMessage) => Reply | Promise<Reply>;

const reply = (output: string): Reply => ({ output, close: false });

export class Manager {
  users: AmiUser[];
  outcome: OriginateOutcome;
  originateDelayMs: number;
  mode: SimMode = "normal";
  startedAt = Date.now();
  /** Run once right after the next successful login of a user (by name): what happens then comes before its next action. */
  readonly afterLogin = new Map<string, () => void>();
  private readonly sessions = new Set<Session>();
  readonly originates: RecordedOriginate[] = [];
  readonly actions: RecordedAction[] = [];
  private readonly channels = new ChannelAllocator();
  readonly hints: Hints;
  private readonly handlers: ReadonlyMap<string, { authority: number; run: Handler }>;

  constructor(
    private readonly config: SimConfig,
    readonly scheduler: Scheduler,
    users: AmiUser[],
    originate: { outcome: OriginateOutcome; delayMs: number },
  ) {
    this.users = users;
    this.outcome = originate.outcome;
    this.originateDelayMs = originate.delayMs;
    this.hints = new Hints(config.hints);
    this.handlers = new Map<string, { authority: number; run: Handler }>([
      ["login", { authority: 0, run: (s, m) => this.login(s, m) }],
      ["challenge", { authority: 0, run: (s, m) => this.challenge(s, m) }],
      [
        "logoff",
        { authority: 0, run: (_s, m) => ({ output: response(m, "Goodbye", "Thanks for all the fish."), close: true }) },
      ],
      ["ping", { authority: 0, run: (_s, m) => reply(ping(m)) }],
      ["events", { authority: 0, run: (s, m) => this.events(s, m) }],
      ["waitevent", { authority: 0, run: (s, m) => this.waitEvent(s, m) }],
      ["originate", { authority: EVENT_FLAG.originate, run: (s, m) => this.originate(s, m) }],
      ["queuepause", { authority: EVENT_FLAG.agent, run: (_s, m) => reply(queuePause(m)) }],
      [
        "coreshowchannels",
        { authority: EVENT_FLAG.system | EVENT_FLAG.reporting, run: (_s, m) => reply(this.coreShowChannels(m)) },
      ],
      ["getvar", { authority: EVENT_FLAG.call | EVENT_FLAG.reporting, run: (_s, m) => reply(this.getvar(m)) }],
      ["setvar", { authority: EVENT_FLAG.call, run: (_s, m) => reply(this.setvar(m)) }],
      ["redirect", { authority: EVENT_FLAG.call, run: (_s, m) => reply(this.redirect(m)) }],
      [
        "extensionstate",
        { authority: EVENT_FLAG.call | EVENT_FLAG.reporting, run: (_s, m) => reply(this.hints.extensionState(m)) },
      ],
    ]);
  }

  attach(session: Session): void {
    this.sessions.add(session);
  }

  detach(session: Session): void {
    this.sessions.delete(session);
    session.wake();
  }

  liveSessions(): Session[] {
    for (const session of this.sessions) if (!session.isAlive()) this.detach(session);
    return [...this.sessions];
  }

  unauthenticatedCount(): number {
    return this.liveSessions().filter((s) => !s.authenticated).length;
  }

  /** Logged-in sessions that call events reach (read permission and event mask both allow the class). */
  eventSessionCount(): number {
    return this.liveSessions().filter(
      (s) => s.authenticated && allows(s.readperm, EVENT_FLAG.call) && allows(s.sendEvents, EVENT_FLAG.call),
    ).length;
  }

  /**
   * Channels up now, as the events sent so far left them (Newchannel … Hangup): what
   * CoreShowChannels lists.
   */
  private readonly live = new Map<string, Map<string, string>>();
  /** Global variables (Setvar without a Channel). */
  private readonly globals = new Map<string, string>();

  /** Sends a recorded or made-up event as Asterisk would, and keeps the channel table it implies. */
  emit(fields: readonly (readonly [string, string])[]): void {
    const record = new Map(fields);
    const name = record.get("Event") ?? "";
    const category = getPerm((record.get("Privilege") ?? "call").split(",")[0]!);
    this.track(name, record);
    const rest = fields.filter(([key]) => key !== "Event" && key !== "Privilege");
    this.broadcast({ category, text: eventText(name, category, rest) });
  }

  private track(name: string, event: ReadonlyMap<string, string>): void {
    const uniqueid = event.get("Uniqueid") ?? "";
    if (name === "ExtensionStatus") {
      const [exten, context, hint] = ["Exten", "Context", "Hint"].map((key) => event.get(key) ?? "");
      return this.hints.changed(exten!, context!, hint!, Number(event.get("Status") ?? -1));
    }
    if (name === "Newchannel") {
      this.live.set(
        uniqueid,
        new Map([
          ...event,
          ["Application", ""],
          ["ApplicationData", ""],
          ["BridgeId", ""],
          ["Started", String(Date.now())],
        ]),
      );
      return;
    }
    if (name === "Hangup") return void this.live.delete(uniqueid);
    const channel = this.live.get(uniqueid);
    if (name === "VarSet" && channel) channel.set(`var:${event.get("Variable") ?? ""}`, event.get("Value") ?? "");
    if (name === "DialBegin") {
      const dest = this.live.get(event.get("DestUniqueid") ?? "");
      if (dest) dest.set("Application", "AppDial").set("ApplicationData", "(Outgoing Line)");
    }
    if (!channel) return;
    for (const key of [
      "ChannelState",
      "ChannelStateDesc",
      "CallerIDNum",
      "CallerIDName",
      "ConnectedLineNum",
      "ConnectedLineName",
      "Context",
      "Exten",
    ])
      if (event.has(key)) channel.set(key, event.get(key)!);
    if (name === "Newexten")
      channel.set("Application", event.get("Application") ?? "").set("ApplicationData", event.get("AppData") ?? "");
    if (name === "BridgeEnter") channel.set("BridgeId", event.get("BridgeUniqueid") ?? "");
    if (name === "BridgeLeave") channel.set("BridgeId", "");
  }

  /**
   * action_coreshowchannels(): a list of CoreShowChannel events, then CoreShowChannelsComplete.
   * A real Asterisk lists them in an order of its own (a hash of the channels, not their
   * creation); here in the order they were made, the `;1` half of a Local channel before its `;2`.
   */
  private coreShowChannels(msg: AmiMessage): string {
    let output = `Response: Success\r\n${actionIdLine(msg)}EventList: start\r\nMessage: Channels will follow\r\n\r\n`;
    const now = Date.now();
    for (const channel of this.live.values()) {
      const seconds = Math.floor((now - Number(channel.get("Started"))) / 1000);
      const duration = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60]
        .map((n) => String(n).padStart(2, "0"))
        .join(":");
      const fields: [string, string][] = [
        ...[
          "Channel",
          "ChannelState",
          "ChannelStateDesc",
          "CallerIDNum",
          "CallerIDName",
          "ConnectedLineNum",
          "ConnectedLineName",
          "Language",
          "AccountCode",
          "Context",
          "Exten",
          "Priority",
          "Uniqueid",
          "Linkedid",
          "Application",
          "ApplicationData",
        ].map((key): [string, string] => [key, channel.get(key) ?? ""]),
        ["Duration", duration],
        ["BridgeId", channel.get("BridgeId") ?? ""],
      ];
      output += `Event: CoreShowChannel\r\n${actionIdLine(msg)}${fields.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
    }
    return `${output}Event: CoreShowChannelsComplete\r\n${actionIdLine(msg)}EventList: Complete\r\nListItems: ${this.live.size}\r\n\r\n`;
  }

  /**
   * action_getvar() on a channel, by name or Uniqueid: its value, or an empty one (without a
   * Channel, the global's); no such channel is an error. CALLERID(name|num|all) read the
   * channel's caller ID, `"Иван Петров" <84950000001>` for all, as setvar-callerid-before-dial shows.
   */
  private getvar(msg: AmiMessage): string {
    const name = getHeader(msg, "Channel");
    const variable = getHeader(msg, "Variable");
    if (variable === "") return error(msg, "No variable specified");
    let value = this.globals.get(variable) ?? "";
    if (name !== "") {
      const channel = this.channelNamed(name);
      if (!channel) return error(msg, "No such channel");
      const known = (key: string) => (channel.get(key) === "<unknown>" ? "" : (channel.get(key) ?? ""));
      const callerId = /^CALLERID\((name|num|all)\)$/i.exec(variable)?.[1]?.toLowerCase();
      value =
        callerId === "name"
          ? known("CallerIDName")
          : callerId === "num"
            ? known("CallerIDNum")
            : callerId === "all"
              ? `"${known("CallerIDName")}" <${known("CallerIDNum")}>`
              : (channel.get(`var:${variable}`) ?? "");
    }
    return `Response: Success\r\n${actionIdLine(msg)}Variable: ${variable}\r\nValue: ${value}\r\n\r\n`;
  }

  /** ast_channel_get_by_name(): a channel by its name or its Uniqueid. */
  private channelNamed(name: string): Map<string, string> | undefined {
    return [...this.live.values()].find((c) => c.get("Channel") === name || c.get("Uniqueid") === name);
  }

  /**
   * action_setvar(): the variable on the channel (a global without one); CALLERID(name) and
   * CALLERID(num) change the channel's caller ID and send a NewCallerid, as a real Asterisk did
   * (setvar-callerid-before-dial), other variables a VarSet. Nothing reaches the channels it
   * already dials: the recording showed the name on a manager's phone only for a Dial made after.
   */
  private setvar(msg: AmiMessage): string {
    const name = getHeader(msg, "Channel");
    const variable = getHeader(msg, "Variable");
    const value = getHeader(msg, "Value");
    if (variable === "") return error(msg, "No variable specified");
    if (name === "") {
      this.globals.set(variable, value);
      return ack(msg, "Variable Set");
    }
    const channel = this.channelNamed(name);
    if (!channel) return error(msg, "No such channel");
    const callerId = /^CALLERID\((name|num)\)$/i.exec(variable)?.[1]?.toLowerCase();
    const fields = (keys: string[]) => keys.map((key): [string, string] => [key, channel.get(key) ?? ""]);
    const where = ["Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName"];
    if (callerId) {
      channel.set(callerId === "name" ? "CallerIDName" : "CallerIDNum", value);
      this.emit([
        ["Event", "NewCallerid"],
        ["Privilege", "call,all"],
        ...fields([...where, "ConnectedLineNum", "ConnectedLineName", "Context", "Exten", "Uniqueid", "Linkedid"]),
        ["CID-CallingPres", "0 (Presentation Allowed, Not Screened)"],
      ]);
    } else {
      this.emit([
        ["Event", "VarSet"],
        ["Privilege", "dialplan,all"],
        ...fields([...where, "Context", "Exten", "Uniqueid", "Linkedid"]),
        ["Variable", variable],
        ["Value", value],
      ]);
    }
    return ack(msg, "Variable Set");
  }

  /**
   * action_redirect() of one channel: it goes on at the context, extension and priority given
   * (what it was doing is the recording's to replay: the legs a Dial or a Queue rang end CANCEL).
   * A bridged channel is redirected all the same, as a real Asterisk did
   * (redirect-bridged-call-refused): the bridge is torn down and the other side hung up, the
   * conversation lost.
   */
  private redirect(msg: AmiMessage): string {
    const name = getHeader(msg, "Channel");
    const [context, exten, priority] = ["Context", "Exten", "Priority"].map((key) => getHeader(msg, key));
    if (name === "") return error(msg, "Channel not specified");
    if (context === "") return error(msg, "Context not specified");
    if (exten === "") return error(msg, "Exten not specified");
    if (priority === "") return error(msg, "Priority not specified");
    // The simulator has no dialplan labels: only a priority number is understood.
    if (!/^\d+$/.test(priority!) || Number(priority) < 1) return error(msg, "Priority is invalid");
    const channel = this.channelNamed(name);
    if (!channel) return error(msg, `Channel does not exist: ${name}`);
    const bridge = channel.get("BridgeId") ?? "";
    channel
      .set("Context", context!)
      .set("Exten", exten!)
      .set("Priority", priority!)
      .set("Application", "")
      .set("ApplicationData", "")
      .set("BridgeId", "");
    if (bridge !== "") this.tearDown(bridge);
    return ack(msg, "Redirect successful");
  }

  /** The channels left in a bridge, and the other halves of the Local ones, hung up (Cause 16). */
  private tearDown(bridge: string): void {
    const peers = [...this.live.values()].filter((c) => c.get("BridgeId") === bridge);
    const names = peers.flatMap((c) => {
      const own = c.get("Channel") ?? "";
      const half = /;[12]$/.test(own) ? `${own.slice(0, -1)}${own.endsWith("1") ? "2" : "1"}` : undefined;
      return half ? [own, half] : [own];
    });
    for (const peer of names.map((n) => this.channelNamed(n)).filter((c) => c !== undefined))
      this.hangUp(peer, "16", "Normal Clearing");
  }

  private hangUp(channel: Map<string, string>, cause: string, text: string): void {
    const uniqueid = channel.get("Uniqueid") ?? "";
    this.emit([
      ["Event", "Hangup"],
      ["Privilege", "call,all"],
      ...["Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "Context", "Exten"].map(
        (key): [string, string] => [key, channel.get(key) ?? ""],
      ),
      ["Uniqueid", uniqueid],
      ["Linkedid", channel.get("Linkedid") ?? uniqueid],
      ["Cause", cause],
      ["Cause-txt", text],
    ]);
  }

  /** `core stop now` / `core restart now`: every call is hung up first, as Asterisk does (a Hangup for each channel). */
  hangUpEverything(): void {
    for (const channel of [...this.live.values()]) this.hangUp(channel, "16", "Normal Clearing");
  }

  /** A restart ends every call. */
  forgetChannels(): void {
    this.live.clear();
  }

  broadcast(event: QueuedEvent): void {
    if (this.mode === "hang") return;
    for (const session of this.liveSessions()) session.deliver(event);
  }

  /** process_message(). */
  async process(session: Session, msg: AmiMessage): Promise<Reply> {
    const action = getHeader(msg, "Action", true);
    const username = session.authenticated ? session.username : getHeader(msg, "Username");
    this.actions.push({
      at: Date.now(),
      transport: session.transport,
      action,
      ...(username === "" ? {} : { username }),
      headers: headerRecord(msg),
    });
    if (action === "") return reply(error(msg, "Missing action in request"));
    const name = action.toLowerCase();
    if (!session.authenticated && name !== "login" && name !== "logoff" && name !== "challenge") {
      return reply(error(msg, "Permission denied"));
    }
    const handler = this.handlers.get(name);
    if (handler === undefined) {
      return reply(
        error(msg, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`),
      );
    }
    if (handler.authority !== 0 && (session.writeperm & handler.authority) === 0) {
      return reply(error(msg, "Permission denied"));
    }
    return handler.run(session, msg);
  }

  /** authenticate(): unknown user, failed ACL, bad secret or bad MD5 key all look the same. */
  private authenticate(session: Session, msg: AmiMessage): AmiUser | undefined {
    const username = getHeader(msg, "Username");
    if (username === "") return undefined;
    const user = this.users.find((u) => u.username.toLowerCase() === username.toLowerCase());
    if (user === undefined || user.permitted === false) return undefined;
    if (getHeader(msg, "AuthType").toLowerCase() === "md5") {
      const key = getHeader(msg, "Key");
      if (key === "" || session.challenge === "") return undefined;
      return createHash("md5")
        .update(session.challenge + user.secret)
        .digest("hex") === key
        ? user
        : undefined;
    }
    return getHeader(msg, "Secret") === user.secret ? user : undefined;
  }

  private async login(session: Session, msg: AmiMessage): Promise<Reply> {
    if (session.authenticated) return reply(ack(msg, "Already authenticated"));
    const user = this.authenticate(session, msg);
    if (user === undefined) {
      await this.scheduler.sleep(this.config.loginFailDelayMs);
      return { output: error(msg, "Authentication failed"), close: true };
    }
    session.username = getHeader(msg, "Username");
    session.readperm = getPerm(user.read);
    session.writeperm = getPerm(user.write);
    session.filters = new EventFilters(user.eventFilters ?? []);
    const mask = stringsToMask(getHeader(msg, "Events"));
    if (mask >= 0) session.sendEvents = mask;
    session.authenticated = true;
    const then = this.afterLogin.get(session.username.toLowerCase());
    this.afterLogin.delete(session.username.toLowerCase());
    then?.();
    let output = ack(msg, "Authentication accepted");
    if ((session.sendEvents & EVENT_FLAG.system) !== 0 && (session.readperm & EVENT_FLAG.system) !== 0) {
      const uptime = String(Math.floor((Date.now() - this.startedAt) / 1000));
      output += eventText("FullyBooted", EVENT_FLAG.system, [
        ["Uptime", uptime],
        ["LastReload", uptime],
        ["Status", "Fully Booted"],
      ]);
    }
    return reply(output);
  }

  private challenge(session: Session, msg: AmiMessage): Reply {
    if (getHeader(msg, "AuthType").toLowerCase() !== "md5") return reply(error(msg, "Must specify AuthType"));
    if (session.challenge === "") session.challenge = String(randomInt(0, 2 ** 31 - 1));
    return reply(`Response: Success\r\n${actionIdLine(msg)}Challenge: ${session.challenge}\r\n\r\n`);
  }

  private events(session: Session, msg: AmiMessage): Reply {
    const mask = stringsToMask(getHeader(msg, "EventMask"));
    if (mask < 0) return reply(error(msg, "Invalid event mask"));
    session.sendEvents = mask;
    return reply(`Response: Success\r\n${actionIdLine(msg)}Events: ${mask > 0 ? "On" : "Off"}\r\n\r\n`);
  }

  private async waitEvent(session: Session, msg: AmiMessage): Promise<Reply> {
    let timeout = Math.max(-1, scanCInteger(getHeader(msg, "Timeout")) ?? -1);
    const limit = session.waitLimit();
    if (limit !== undefined) {
      if (timeout < 0 || timeout > limit) timeout = limit;
      if (session.sendEvents === 0) session.sendEvents = -1;
    }
    const token = {};
    session.waiter = token;
    session.wake();
    await session.waitForEvent(timeout, this.scheduler);
    if (session.waiter !== token) return reply("");
    session.waiter = undefined;
    const output = response(msg, "Success", "Waiting for Event completed.") + session.drain();
    return reply(`${output}Event: WaitEventComplete\r\n${actionIdLine(msg)}\r\n`);
  }

  private async originate(session: Session, msg: AmiMessage): Promise<Reply> {
    const parsed = parseOriginate(msg, session.writeperm, this.config.dialplan);
    if ("error" in parsed) return reply(error(msg, parsed.error));
    const { request } = parsed;
    const outcome = this.outcome;
    const delayMs = this.originateDelayMs;
    const call = this.channels.allocate(request);
    this.originates.push({
      at: Date.now(),
      transport: session.transport,
      username: session.username,
      ...(request.actionId === "" ? {} : { actionId: request.actionId }),
      headers: headerRecord(msg),
      variables: request.variables,
      async: request.async,
      outcome,
      uniqueid: reportedUniqueid(request, outcome, call),
    });
    if (request.async) {
      this.scheduler.after(delayMs, () => {
        this.broadcast({
          category: EVENT_FLAG.call,
          text: eventText("OriginateResponse", EVENT_FLAG.call, originateResponseFields(request, outcome, call)),
        });
      });
      return reply(ack(msg, "Originate successfully queued"));
    }
    await this.scheduler.sleep(delayMs);
    return reply(outcome === "answer" ? ack(msg, "Originate successfully queued") : error(msg, "Originate failed"));
  }
}

/** sscanf("%i"): decimal, 0x hex or 0 octal; undefined when nothing parses. */
function scanCInteger(text: string): number | undefined {
  const match = /^\s*([+-]?)(?:0x([0-9a-f]+)|(0[0-7]*)|([1-9]\d*))/i.exec(text);
  if (match === null) return undefined;
  const [, sign, hex, octal, decimal] = match;
  const value =
    hex !== undefined ? Number.parseInt(hex, 16) : octal !== undefined ? Number.parseInt(octal, 8) : Number(decimal);
  return sign === "-" ? -value : value;
}

/** action_ping(): `Timestamp` is `%ld.%06lu`. */
function ping(msg: AmiMessage): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const stamp = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  return `Response: Success\r\n${actionIdLine(msg)}Ping: Pong\r\nTimestamp: ${stamp}\r\n\r\n`;
}

/** manager_pause_queue_member(); every interface is accepted since the simulator has no queues.conf. */
function queuePause(msg: AmiMessage): string {
  const paused = getHeader(msg, "Paused");
  if (getHeader(msg, "Interface") === "" || paused === "")
    return error(msg, "Need 'Interface' and 'Paused' parameters.");
  return ack(msg, isTrue(paused) ? "Interface paused successfully" : "Interface unpaused successfully");
}
