"use client";

import { useTranslations } from "next-intl";
import type { Snippet } from "@/lib/asterisk/snippets/types";
import { CopyButton } from "./copy-button";

export function SnippetBlock({ snippet }: { snippet: Snippet }) {
  const t = useTranslations("api");
  const titleId = `snippet-${snippet.id}`;
  return (
    <figure className="snippet" aria-labelledby={titleId}>
      <div className="toolbar">
        <h4 id={titleId}>{snippet.title}</h4>
        <CopyButton text={snippet.code} label={t("copySnippet", { title: snippet.title })} />
      </div>
      <p className="muted">{snippet.description}</p>
      <pre>
        <code>{snippet.code}</code>
      </pre>
    </figure>
  );
}
