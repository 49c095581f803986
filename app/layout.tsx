import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Asterisk ⇄ retailCRM",
  description: "Интеграция Asterisk с retailCRM",
  icons: { icon: "/logo.svg" },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="ru">
      <body>{children}</body>
    </html>
  );
}
