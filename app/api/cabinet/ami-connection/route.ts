import { cabinetRead } from "@/lib/auth";
import { eventConnectionStatus } from "@/lib/call-tracking";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

/** The AMI event connection on «Настройки Asterisk», read again while the tab is open (docs/cabinet.md). */
export const GET = measured(
  "/api/cabinet/ami-connection",
  guardRoute(cabinetRead(({ accountId }) => eventConnectionStatus(accountId))),
);
