"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const tabs = [
  { href: "/cabinet/phones", label: "Ваши телефоны" },
  { href: "/cabinet/asterisk", label: "Настройки Asterisk" },
  { href: "/cabinet/crm", label: "Возможности CRM" },
  { href: "/cabinet/api", label: "API" },
  { href: "/cabinet/calls", label: "Журнал звонков" },
];

export function CabinetTabs() {
  const pathname = usePathname();
  return (
    <nav className="tabs" aria-label="Разделы личного кабинета">
      {tabs.map((tab) => (
        <Link
          key={tab.href}
          href={tab.href}
          className="tab"
          aria-current={pathname.startsWith(tab.href) ? "page" : undefined}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
