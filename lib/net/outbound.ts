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

export async function outboundFetch(url: string, init: RequestInit = {}, allowPrivate = env().ALLOW_PRIVATE_NETWORKS): Promise<Response> {
  assertAllowedLiteral(new URL(url).hostname, allowPrivate);
  return fetch(url, { ...init, dispatcher: agentFor(allowPrivate) });
}

export function outboundSocket(host: string, port: number, allowPrivate = env().ALLOW_PRIVATE_NETWORKS): net.Socket {
  assertAllowedLiteral(host, allowPrivate);
  return net.connect({ host, port, lookup: guardedLookup(allowPrivate) });
}
