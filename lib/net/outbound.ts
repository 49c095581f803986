import net from "node:net";
import { Agent, fetch, type RequestInit, type Response } from "undici";
import { env } from "@/lib/env";
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

/**
 * fetch through the guard. Redirects are followed here, not by fetch, because a connection to an
 * address literal never consults the lookup: every hop's host is checked before it is dialled.
 */
export async function outboundFetch(url: string, init: RequestInit = {}, allowPrivate = env().ALLOW_PRIVATE_NETWORKS): Promise<Response> {
  let target = new URL(url);
  let request: RequestInit = init;
  for (let hop = 0; ; hop++) {
    assertAllowedLiteral(target.hostname, allowPrivate);
    const response = await fetch(target, { ...request, redirect: "manual", dispatcher: agentFor(allowPrivate) });
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || !location || init.redirect === "manual") return response;
    if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS}) from ${url}`);
    await response.body?.cancel();
    target = new URL(location, target);
    // As fetch does: 303, and 301/302 after a POST, go on as a GET without the body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === "POST")) {
      request = { ...request, method: "GET", body: undefined };
    }
  }
}

export function outboundSocket(host: string, port: number, allowPrivate = env().ALLOW_PRIVATE_NETWORKS): net.Socket {
  assertAllowedLiteral(host, allowPrivate);
  return net.connect({ host, port, lookup: guardedLookup(allowPrivate) });
}
