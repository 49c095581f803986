import { outboundRequest, type OutboundInit } from "@/lib/net/outbound";
import { EngineError, httpFailure, networkFailure } from "./engine";

export interface HttpOptions {
  /** ALLOW_PRIVATE_NETWORKS: the outbound guard refuses private addresses unless it is set. */
  allowPrivate: boolean;
  timeoutMs: number;
}

/** An OpenAI-style error body `{"error": {"message": ...}}`, SpeechKit's `{"message": ...}`, or the body itself. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
    if (typeof parsed.error?.message === "string") return parsed.error.message;
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the body itself, shortened, is the message
  }
  return body.slice(0, 200) || "no message";
}

/** The endpoint under a base URL, whether or not it ends in a slash. */
export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${path}`;
}

/**
 * One request to an engine through the outbound guard (lib/net), its answer's text; any failure
 * becomes an EngineError with the engine's own message (temporary for 429, 5xx, timeouts and the
 * network, with the engine's Retry-After).
 */
export async function engineText(
  url: string,
  init: Omit<OutboundInit, "signal">,
  options: HttpOptions,
  signal?: AbortSignal,
): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let status: number;
  let text: string;
  let retryAfter: string | undefined;
  try {
    const response = await outboundRequest(
      url,
      { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      options.allowPrivate,
    );
    status = response.status;
    retryAfter = response.header("retry-after");
    text = await response.text();
  } catch (error) {
    throw networkFailure(error);
  }
  if (status < 200 || status > 299) throw httpFailure(status, errorMessage(text), retryAfter);
  return text;
}

/** engineText, parsed as JSON. */
export async function engineJson(
  url: string,
  init: Omit<OutboundInit, "signal">,
  options: HttpOptions,
  signal?: AbortSignal,
): Promise<unknown> {
  const text = await engineText(url, init, options, signal);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EngineError(`the engine's answer is not JSON: ${text.slice(0, 200)}`, false);
  }
}
