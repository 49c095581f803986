import { createHash } from "node:crypto";
import type { AmiTransportKind } from "./check";
import { ManagedAmi } from "./managed";
import type { AmiEndpoint } from "./transport";

const sessions = new Map<string, { fingerprint: string; ami: ManagedAmi }>();

function fingerprint(kind: AmiTransportKind, endpoint: AmiEndpoint): string {
  return createHash("sha256")
    .update(JSON.stringify([kind, endpoint.host, endpoint.port, endpoint.username, endpoint.secret]))
    .digest("hex");
}

/** The account's kept AMI session; new settings replace it (and close the old one). */
export function amiSession(accountId: string, kind: AmiTransportKind, endpoint: AmiEndpoint): ManagedAmi {
  const wanted = fingerprint(kind, endpoint);
  const current = sessions.get(accountId);
  if (current?.fingerprint === wanted) return current.ami;
  void current?.ami.close();
  const ami = new ManagedAmi(kind, endpoint);
  sessions.set(accountId, { fingerprint: wanted, ami });
  return ami;
}

export async function closeAmiSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map((s) => s.ami.close()));
}
