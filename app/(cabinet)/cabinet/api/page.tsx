import type { Metadata } from "next";
import { ApiReference } from "@/components/api/api-reference";
import { ClientIdPanel } from "@/components/api/client-id-panel";
import { allSnippets } from "@/lib/asterisk/snippets";
import { requireAccount } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "API — Asterisk ⇄ retailCRM" };

export default async function ApiPage() {
  const account = await requireAccount();
  const settings = await db().asteriskSettings.findUnique({ where: { accountId: account.id } });
  const serviceUrl = env().PUBLIC_URL;
  const snippets = allSnippets({
    serviceUrl,
    clientId: account.clientId,
    amiLogin: settings?.amiLogin ?? "asterisk",
    amiTransport: settings?.amiTransport ?? "HTTP",
    channelTemplate: settings?.channelTemplate ?? "SIP",
    queuePause: settings?.pauseQueueWhenAway ?? false,
    eventSource: settings?.eventSource ?? "DIALPLAN",
    amiEventsPort: settings?.amiEventsPort ?? 5038,
  });
  return (
    <div className="stack">
      <ClientIdPanel clientId={account.clientId} />
      <ApiReference serviceUrl={serviceUrl} clientId={account.clientId} {...snippets} />
    </div>
  );
}
