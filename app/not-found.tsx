import Link from "next/link";
import { getTranslations } from "next-intl/server";

/** Any address the service does not know, and a page that found nothing (a transcript's link with a wrong signature), in the visitor's language. */
export default async function NotFound() {
  const t = await getTranslations("common.notFound");
  return (
    <main className="page">
      <h1>{t("title")}</h1>
      <p>{t("text")}</p>
      <p>
        <Link href="/">{t("home")}</Link>
      </p>
    </main>
  );
}
