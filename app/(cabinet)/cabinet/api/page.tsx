import type { Metadata } from "next";
import { getLocale, getTranslations } from "next-intl/server";
import { cookies } from "next/headers";
import { ApiReference } from "@/components/api/api-reference";
import { ClientIdPanel } from "@/components/api/client-id-panel";
import { parseSnippetChoice, SNIPPET_CHOICE_COOKIE } from "@/components/api/snippet-choice";
import { SnippetGroups } from "@/components/api/snippet-groups";
import { SnippetPicker } from "@/components/api/snippet-picker";
import { Alert } from "@/components/ui/alert";
import { snippetGroups } from "@/lib/asterisk/snippets";
import { requireAccount } from "@/lib/auth";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("api.title") }) };
}

/**
 * «API»: the clientId, the two endpoints, and the set-up for the admin's Asterisk only (the version
 * and AMI transport they picked, kept in a cookie; until then 21+ and the saved transport).
 */
export default async function ApiPage() {
  const account = await requireAccount();
  const [settings, jar, transcripts, locale, t] = await Promise.all([
    db().asteriskSettings.findUnique({ where: { accountId: account.id } }),
    cookies(),
    db().transcriptSettings.findUnique({ where: { accountId: account.id }, select: { enabled: true } }),
    getLocale(),
    getTranslations("api.picker"),
  ]);
  const saved = settings?.amiTransport ?? "HTTP";
  const picked = parseSnippetChoice(jar.get(SNIPPET_CHOICE_COOKIE)?.value);
  const choice = picked ?? { version: "modern", transport: saved };
  const serviceUrl = env().PUBLIC_URL;
  const groups = snippetGroups(
    {
      locale,
      serviceUrl,
      clientId: account.clientId,
      amiLogin: settings?.amiLogin ?? "asterisk",
      amiTransport: choice.transport,
      channelTemplate: settings?.channelTemplate ?? "SIP",
      queuePause: settings?.pauseQueueWhenAway ?? false,
      eventSource: settings?.eventSource ?? "DIALPLAN",
      amiEventsPort: settings?.amiEventsPort ?? 5038,
      amiRouting: (settings?.amiCallerName ?? false) || (settings?.amiRouting ?? false),
      stereoRecording: transcripts?.enabled ?? false,
    },
    choice.version,
  );
  return (
    <div className="stack">
      <ClientIdPanel clientId={account.clientId} />
      <ApiReference serviceUrl={serviceUrl} clientId={account.clientId} />
      <SnippetPicker choice={choice} chosen={picked !== null} />
      {choice.transport === saved ? null : (
        <Alert tone="info">{t("otherTransport", { saved, chosen: choice.transport })}</Alert>
      )}
      <SnippetGroups groups={groups} />
    </div>
  );
}
