import { getTranslations } from "next-intl/server";

export default async function PhonesLoading() {
  const t = await getTranslations("phones");
  return (
    <div className="stack">
      <h2>{t("title")}</h2>
      <p role="status">{t("loading")}</p>
    </div>
  );
}
