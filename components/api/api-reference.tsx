import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";

const code = (chunks: ReactNode) => <code>{chunks}</code>;

/** «Описание API и настройка AMI и AGI интерфейсов» (docs/cabinet.md): the two endpoints, for this account. */
export async function ApiReference({ serviceUrl, clientId }: { serviceUrl: string; clientId: string }) {
  const t = await getTranslations("api");
  const p = (key: Parameters<typeof t>[0]) => `<${t(key)}>`;
  const manager = `${serviceUrl}/api/manager?clientId=${clientId}&phone=${p("placeholders.phone")}&type=<json|text>&externalPhone=${p("placeholders.companyPhone")}`;
  const event = `${serviceUrl}/api/event?clientId=${clientId}&type=<in|out|hangup|upload>&uniqueid=<UNIQUEID>&phone=${p("placeholders.number")}&code=${p("placeholders.extension")}&status=${p("placeholders.status")}&direct=<in|out>&date=<YYYY-MM-DD HH:MM:SS>&hold=${p("placeholders.seconds")}&duration=${p("placeholders.seconds")}&path=${p("placeholders.recordingUrl")}&externalPhone=${p("placeholders.companyPhone")}`;
  const eventSh = `${serviceUrl}/data/event.sh`;
  return (
    <section aria-labelledby="api-title" className="stack">
      <h2 id="api-title">{t("heading")}</h2>

      <h3>{t("manager.title")}</h3>
      <pre>{manager}</pre>
      <p>
        {t.rich("manager.about", {
          code,
          json: `{"result":{"callerId":"…","phone":"<${t("placeholders.extensionWords")}>"}}`,
          text: `<CallerID(name)>,<${t("placeholders.extensionWords")}>`,
        })}
      </p>

      <h3>{t("event.title")}</h3>
      <pre>{event}</pre>
      <p>{t.rich("event.about", { code })}</p>

      <h3>{t("eventSh.title")}</h3>
      <p>
        {t.rich("eventSh.about", {
          code,
          url: eventSh,
          link: (chunks) => <a href={`${eventSh}?clientId=${clientId}`}>{chunks}</a>,
        })}
      </p>
    </section>
  );
}
