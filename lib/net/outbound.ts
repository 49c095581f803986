import net from "node:net";
import { Agent, request, type Dispatcher } from "undici";
import { assertAllowedLiteral, guardedLookup } from "./address-guard";

// Outbound connections to addresses that admins type in (CRM URL, AMI host) go through here,
// so the service cannot be used to probe internal networks unless the deployment allows it.

const agents = new Map<boolean, Agent>();

function agentFor(allowPrivate: boolean): Agent {
  let agent = agents.get(allowPrivate);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(allowPrivate) }, keepAliveTimeout: 10_000 });
    agents.set(allowPrivate, agent);
  }
  return agent;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface OutboundInit {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  /** A header's value; repeated headers joined with ", " as fetch does. */
  header(name: string): string | undefined;
  text(): Promise<string>;
}

function answer(data: Dispatcher.ResponseData): OutboundResponse {
  return {
    status: data.statusCode,
    header(name) {
      const value = data.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    text: () => data.body.text(),
  };
}

/**
 * An HTTP request through the guard (undici's request: fetch costs several times its CPU, and
 * the delivery worker makes one per CRM request). Redirects are followed here, because a
 * connection to an address literal never consults the lookup: every hop's host is checked
 * before it is dialled.
 */
export async function outboundRequest(
  url: string,
  init: OutboundInit,
  allowPrivate: boolean,
): Promise<OutboundResponse> {
  let target = new URL(url);
  let current: OutboundInit = init;
  for (let hop = 0; ; hop++) {
    assertAllowedLiteral(target.hostname, allowPrivate);
    const data = await request(target, {
      method: current.method ?? "GET",
      headers: current.headers,
      body: current.body,
      signal: current.signal,
      dispatcher: agentFor(allowPrivate),
    });
    const location = data.headers.location;
    if (!REDIRECTS.has(data.statusCode) || typeof location !== "string") return answer(data);
    await data.body.dump();
    if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS}) from ${url}`);
    target = new URL(location, target);
    // As fetch does: 303, and 301/302 after a POST, go on as a GET without the body.
    if (
      data.statusCode === 303 ||
      ((data.statusCode === 301 || data.statusCode === 302) && current.method === "POST")
    ) {
      current = { ...current, method: "GET", body: undefined };
    }
  }
}

/** `allowPrivate` is the caller's to say (ALLOW_PRIVATE_NETWORKS): shared ground reads no settings. */
export function outboundSocket(host: string, port: number, allowPrivate: boolean): net.Socket {
  assertAllowedLiteral(host, allowPrivate);
  return net.connect({ host, port, lookup: guardedLookup(allowPrivate) });
}
