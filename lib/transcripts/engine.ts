import { BlockedAddressError } from "@/lib/net/address-guard";

/** One stretch of speech as an engine heard it, in ms from the start of the audio it was given. */
export interface Segment {
  startMs: number;
  endMs: number;
  text: string;
}

/** The language the engine is told to expect: the account's (docs/transcripts.md). */
export type SpeechLanguage = "ru" | "en";

/**
 * A speech-to-text engine behind one interface (docs/transcripts.md, «Engines»): it is given one
 * channel as 16 kHz 16-bit mono WAV and answers the segments it heard.
 */
export interface SpeechEngine {
  recognise(wav: Buffer, language: SpeechLanguage, signal?: AbortSignal, resume?: Resumable): Promise<Segment[]>;
}

/**
 * An engine that works asynchronously (SpeechKit) keeps its operation beyond the process that
 * started it (docs/transcripts.md, «Queue»): `started` is told the operation's id before it is
 * waited for, and a later try passes it back as `operation` to be polled instead of sending the
 * audio again.
 */
export interface Resumable {
  operation?: string;
  started?(operation: string): Promise<void>;
}

/**
 * An engine's refusal or failure, with its own message. `temporary` ones (429, 503, other 5xx,
 * timeouts, network) are tried again after `retryAfterMs` when the engine said (Retry-After),
 * else after the queue's backoff; the rest are shown in the journal and not tried again.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly retryAfterMs?: number,
    /** The engine's HTTP status, when it answered one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The EngineError an HTTP answer other than 2xx means; `message` is the engine's own words when it gave them. */
export function httpFailure(status: number, message: string, retryAfter: string | undefined): EngineError {
  const temporary = status === 429 || status >= 500;
  return new EngineError(
    `${status}: ${message}`.slice(0, 500),
    temporary,
    temporary ? retryAfterMs(retryAfter) : undefined,
    status,
  );
}

/** A network error or timeout: temporary; an address the outbound guard refuses is not. */
export function networkFailure(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  if (error instanceof BlockedAddressError) return new EngineError(error.message, false);
  const message = error instanceof Error ? error.message : String(error);
  return new EngineError(message || "network error", true);
}
