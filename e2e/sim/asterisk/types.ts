import type { HintConfig } from "./hints";

export type Transport = "tcp" | "http";

/** Dial results, reported as OriginateResponse `Reason` 4 / 5 / 3 / 8 / 0. */
export type OriginateOutcome = "answer" | "busy" | "noanswer" | "congestion" | "failed";

export type SimMode = "normal" | "refuse" | "hang";

export interface AmiUser {
  username: string;
  secret: string;
  /** manager.conf `read=`, e.g. "system,call,all". */
  read: string;
  /** manager.conf `write=`, e.g. "reporting,originate". */
  write: string;
  /** false: our address fails this user's permit/deny ACL (login fails like a bad password). Default true. */
  permitted?: boolean;
  /** The user's `eventfilter` lines as written in manager.conf (legacy or advanced; see filters.ts). */
  eventFilters?: string[];
}

export interface DialplanContext {
  context: string;
  /** Extensions or `_` patterns; omitted means every extension exists in this context. */
  extens?: string[];
}

export interface AsteriskSimOptions {
  host?: string;
  /** 0 = random; null = TCP AMI disabled. */
  tcpPort?: number | null;
  /** 0 = random; null = HTTP disabled. */
  httpPort?: number | null;
  /** AMI_VERSION in the banner. */
  version?: string;
  /** http.conf `prefix`. */
  prefix?: string;
  /** http.conf `servername`: the Server header and the error-page address; "" removes both. */
  servername?: string;
  /** manager.conf `webenabled`; false makes the AMI URIs 404. */
  webenabled?: boolean;
  /** Seconds. */
  httptimeout?: number;
  /** Seconds. */
  authtimeout?: number;
  authlimit?: number;
  loginFailDelayMs?: number;
  users?: AmiUser[];
  originate?: { outcome?: OriginateOutcome; delayMs?: number };
  /** When given, Originate with a Priority is checked against it ("Extension does not exist."). */
  dialplan?: DialplanContext[];
  /** extensions.conf hints, each Idle until told otherwise (setExtensionState, or a replayed ExtensionStatus). */
  hints?: HintConfig[];
}

export interface RecordedOriginate {
  at: number;
  transport: Transport;
  username: string;
  actionId?: string;
  /** First occurrence of each header, keyed by lowercased name. */
  headers: Record<string, string>;
  /** `name=value` pairs after splitting every Variable header like Asterisk does. */
  variables: string[];
  async: boolean;
  outcome: OriginateOutcome;
  /** As reported in OriginateResponse: the channel's Uniqueid, or ChannelId / `<unknown>` on failure. */
  uniqueid: string;
}

export interface RecordedAction {
  at: number;
  transport: Transport;
  action: string;
  /** The logged-in user, or the Username header of a not yet authenticated request. */
  username?: string;
  /** First occurrence of each header, keyed by lowercased name. */
  headers: Record<string, string>;
}

export interface SimConfig {
  host: string;
  tcpPort: number | null;
  httpPort: number | null;
  version: string;
  prefix: string;
  servername: string;
  webenabled: boolean;
  httptimeout: number;
  authtimeout: number;
  authlimit: number;
  loginFailDelayMs: number;
  dialplan: DialplanContext[] | undefined;
  hints: HintConfig[];
}
