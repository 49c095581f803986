"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { Snippet } from "@/lib/asterisk/snippets/types";
import { SNIPPET_GROUPS, type SnippetGroup } from "@/lib/asterisk/snippets/versions";
import { SnippetBlock } from "./snippet-block";

/** One part of the set-up at a time (AMI, incoming, queue, outgoing, event.sh), each snippet with its copy button. */
export function SnippetGroups({ groups }: { groups: Record<SnippetGroup, Snippet[]> }) {
  const t = useTranslations("api.groups");
  const [open, setOpen] = useState<SnippetGroup>("ami");
  return (
    <div className="stack">
      <div role="tablist" aria-label={t("label")} className="tabs subtabs">
        {SNIPPET_GROUPS.map((group) => (
          <button
            key={group}
            type="button"
            role="tab"
            id={`snippets-tab-${group}`}
            aria-selected={open === group}
            aria-controls={`snippets-${group}`}
            className="tab"
            onClick={() => setOpen(group)}
          >
            {t(group)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`snippets-${open}`} aria-labelledby={`snippets-tab-${open}`} className="stack">
        {groups[open].map((snippet) => (
          <SnippetBlock key={snippet.id} snippet={snippet} />
        ))}
      </div>
    </div>
  );
}
