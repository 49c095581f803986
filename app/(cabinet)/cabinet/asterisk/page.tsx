import type { Metadata } from "next";
import { AsteriskSettingsForm } from "@/components/asterisk/asterisk-settings-form";
import { EventConnectionStatusView } from "@/components/asterisk/event-connection-status";
import { loadAsteriskSettings } from "@/lib/accounts/asterisk-settings";
import { requireAccount } from "@/lib/auth/session";
import { eventConnectionStatus } from "@/lib/call-tracking";

export const metadata: Metadata = { title: "Настройки Asterisk — Asterisk ⇄ retailCRM" };

export default async function AsteriskSettingsPage() {
  const account = await requireAccount();
  const [{ form, hasSecret }, status] = await Promise.all([
    loadAsteriskSettings(account.id),
    eventConnectionStatus(account.id),
  ]);
  return (
    <AsteriskSettingsForm
      defaults={form}
      hasSecret={hasSecret}
      connection={<EventConnectionStatusView status={status} />}
    />
  );
}
