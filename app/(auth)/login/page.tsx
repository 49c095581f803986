import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { LocaleSwitch } from "@/components/locale-switch";
import { LoginForm } from "@/components/login-form";
import { sessionAccountId } from "@/lib/auth";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("login.title") }) };
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await sessionAccountId()) redirect("/cabinet/phones");
  const t = await getTranslations("login.errors");
  const { error } = await searchParams;
  const known = error !== undefined && t.has(error as never);
  return (
    <main className="page page-narrow stack">
      <div className="toolbar toolbar-end">
        <LocaleSwitch />
      </div>
      <LoginForm initialError={known ? t(error as never) : undefined} />
    </main>
  );
}
