import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { sessionAccountId } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Вход — Asterisk ⇄ retailCRM" };

const messages: Record<string, string> = {
  "unknown-client": "Модуль с таким clientId не найден: войдите по адресу CRM и API ключу",
  "missing-client": "Не передан clientId: войдите по адресу CRM и API ключу",
  "stale-link":
    "Ссылка на кабинет уже использована или устарела: нажмите «Перейти в личный кабинет» в retailCRM ещё раз или войдите по адресу CRM и API ключу",
  "link-renewed": "Ссылка на кабинет в retailCRM обновлена: нажмите «Перейти в личный кабинет» ещё раз",
  inactive: "Модуль отключён в retailCRM: включите его там или войдите по адресу CRM и API ключу",
  "session-rotated": "clientId аккаунта заменён: войдите снова",
  "session-inactive": "Модуль отключён в retailCRM, сессия завершена: войдите снова по адресу CRM и API ключу",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await sessionAccountId()) redirect("/cabinet/phones");
  const { error } = await searchParams;
  return (
    <main className="page page-narrow">
      <LoginForm initialError={error ? (messages[error] ?? undefined) : undefined} />
    </main>
  );
}
