import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { CabinetTabs } from "@/components/cabinet-tabs";
import { LocaleSwitch } from "@/components/locale-switch";
import { LogoutButton } from "@/components/logout-button";
import { Providers } from "@/components/providers";
import { SessionEndedNotice } from "@/components/session-ended-notice";
import { Alert } from "@/components/ui/alert";
import { requireAccount } from "@/lib/auth";

export default async function CabinetLayout({ children }: { children: ReactNode }) {
  const account = await requireAccount();
  const t = await getTranslations("cabinet");
  return (
    <Providers>
      <header className="topbar">
        <div className="page page-wide topbar-inner">
          <strong>Asterisk ⇄ retailCRM</strong>
          <span className="muted">{account.crmUrl}</span>
          <LocaleSwitch />
          <LogoutButton />
        </div>
      </header>
      <main className="page page-wide">
        {account.active && !account.freeze ? null : <Alert tone="info">{t("moduleOff")}</Alert>}
        <SessionEndedNotice />
        <CabinetTabs />
        <section className="card">{children}</section>
      </main>
    </Providers>
  );
}
