// An account whose call events come from a simulated PBX's AMI (docs/ami-events.md), for the
// integration tests and the bench.
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import type { AmiUser, AsteriskSim } from "../sim/asterisk";
import { until } from "./until";

/** «Настройки Asterisk» of AMI mode: events and actions on the PBX's TCP port, logged in as `user`. */
export function amiModeSettings(pbx: AsteriskSim, user: AmiUser) {
  return {
    eventSource: "AMI" as const,
    amiHost: "127.0.0.1",
    amiEventsPort: pbx.tcpPort!,
    amiPort: pbx.tcpPort!,
    amiTransport: "TCP" as const,
    amiLogin: user.username,
    amiSecretEnc: encryptSecret(user.secret),
  };
}

/** The account's AMI event connection once a holder has it up (its row as it is after `timeoutMs` otherwise). */
export function eventConnectionUp(accountId: string, timeoutMs = 15_000) {
  return until(
    () => db().amiListener.findUnique({ where: { accountId } }),
    (row) => row?.state === "connected",
    timeoutMs,
  );
}
