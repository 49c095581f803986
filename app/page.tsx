import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { LocaleSwitch } from "@/components/locale-switch";
import { sessionAccountId } from "@/lib/auth";

/** The service's root: what it is, and the way in (the cabinet when signed in, else the sign-in). */
export default async function HomePage() {
  const t = await getTranslations("home");
  const signedIn = Boolean(await sessionAccountId());
  return (
    <main className="page page-narrow">
      <div className="card stack">
        <div className="toolbar">
          <h1>Asterisk ⇄ retailCRM</h1>
          <LocaleSwitch />
        </div>
        <p>{t("about")}</p>
        <p>
          <Link className="button button-primary" href={signedIn ? "/cabinet" : "/login"}>
            {signedIn ? t("openCabinet") : t("signIn")}
          </Link>
        </p>
        <p className="muted">{t("marketplace")}</p>
        <p className="muted">
          {t("health")} <a href="/api/health">/api/health</a>
        </p>
      </div>
    </main>
  );
}
