import { db } from "@/lib/db/client";

/** The account's AMI event connection as the cabinet shows it (docs/ami-events.md); times as ISO 8601, as JSON carries them. */
export interface EventConnectionStatus {
  state: "connecting" | "connected" | "failed";
  /** The holder's last failure, in the guide's words. */
  error: string | null;
  connectedAt: string | null;
  lastEventAt: string | null;
  /** Some process holds it now. */
  held: boolean;
}

export async function eventConnectionStatus(accountId: string): Promise<EventConnectionStatus | null> {
  const row = await db().amiListener.findUnique({ where: { accountId } });
  if (!row) return null;
  const held = row.workerId !== null && row.leaseUntil !== null && row.leaseUntil.getTime() > Date.now();
  const state = held && (row.state === "connected" || row.state === "failed") ? row.state : "connecting";
  return {
    state,
    error: row.lastError,
    connectedAt: row.connectedAt?.toISOString() ?? null,
    lastEventAt: row.lastEventAt?.toISOString() ?? null,
    held,
  };
}
