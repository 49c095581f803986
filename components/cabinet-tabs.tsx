"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { usePathname } from "next/navigation";

const tabs = ["phones", "asterisk", "crm", "api", "calls", "overview"] as const;

export function CabinetTabs() {
  const t = useTranslations("cabinet.tabs");
  const pathname = usePathname();
  return (
    <nav className="tabs" aria-label={t("label")}>
      {tabs.map((tab) => (
        <Link
          key={tab}
          href={`/cabinet/${tab}`}
          className="tab"
          aria-current={pathname.startsWith(`/cabinet/${tab}`) ? "page" : undefined}
        >
          {t(tab)}
        </Link>
      ))}
    </nav>
  );
}
