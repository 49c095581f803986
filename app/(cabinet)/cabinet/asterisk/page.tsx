import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AsteriskSettingsForm } from "@/components/asterisk/asterisk-settings-form";
import { EventConnectionStatusView } from "@/components/asterisk/event-connection-status";
import { RecordingSettingsForm } from "@/components/asterisk/recording-settings-form";
import { loadAsteriskSettings } from "@/lib/accounts";
import { requireAccount } from "@/lib/auth";
import { eventConnectionStatus } from "@/lib/call-tracking";
import { loadRecordingSettings } from "@/lib/recordings";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("asterisk.title") }) };
}

export default async function AsteriskSettingsPage() {
  const account = await requireAccount();
  const [{ form, hasSecret }, status, recordings] = await Promise.all([
    loadAsteriskSettings(account.id),
    eventConnectionStatus(account.id),
    loadRecordingSettings(account.id),
  ]);
  // The recordings' form apart, saved on its own: the PBX makes the recordings, but keeping them
  // needs no AMI check, which the settings above are saved with.
  return (
    <>
      <AsteriskSettingsForm
        defaults={form}
        hasSecret={hasSecret}
        connection={<EventConnectionStatusView initial={status} />}
      />
      <RecordingSettingsForm defaults={recordings} />
    </>
  );
}
