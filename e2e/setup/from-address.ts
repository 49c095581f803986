import { Agent, fetch as undiciFetch } from "undici";

const agents = new Map<string, Agent>();

/**
 * fetch from a loopback address of its own (Linux routes all of 127.0.0.0/8 to lo): the service
 * sees that address as the socket's peer, as it would see distinct clients on the internet.
 */
export function fetchFrom(localAddress: string) {
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = new Agent({ localAddress });
    agents.set(localAddress, agent);
  }
  const dispatcher = agent;
  return (url: string, init: Parameters<typeof undiciFetch>[1] = {}) => undiciFetch(url, { ...init, dispatcher });
}
