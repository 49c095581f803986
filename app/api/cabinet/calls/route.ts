import { cabinetRead } from "@/lib/auth";
import { guardRoute } from "@/lib/http/route-guard";
import { journalQuery, listCalls } from "@/lib/journal";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

/** «Журнал звонков» as the page shows it, read again while the tab is open (docs/cabinet.md). */
export const GET = measured(
  "/api/cabinet/calls",
  guardRoute(cabinetRead(({ accountId }, { page }) => listCalls(accountId, page), journalQuery)),
);
