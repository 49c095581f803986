"use client";

import { useTranslations } from "next-intl";
import { useRef, useState, type KeyboardEvent } from "react";
import type { Snippet } from "@/lib/asterisk/snippets/types";
import { SNIPPET_GROUPS, type SnippetGroup } from "@/lib/asterisk/snippets/versions";
import { SnippetBlock } from "./snippet-block";

/**
 * One part of the set-up at a time (AMI, incoming, queue, outgoing, event.sh), each snippet with its
 * copy button: tabs as WAI-ARIA's tabs pattern has them (arrows, Home and End move between them).
 */
export function SnippetGroups({ groups }: { groups: Record<SnippetGroup, Snippet[]> }) {
  const t = useTranslations("api.groups");
  const [open, setOpen] = useState<SnippetGroup>("ami");
  const tabs = useRef(new Map<SnippetGroup, HTMLButtonElement>());

  function onKeyDown(event: KeyboardEvent) {
    const at = SNIPPET_GROUPS.indexOf(open);
    const next = {
      ArrowRight: (at + 1) % SNIPPET_GROUPS.length,
      ArrowLeft: (at - 1 + SNIPPET_GROUPS.length) % SNIPPET_GROUPS.length,
      Home: 0,
      End: SNIPPET_GROUPS.length - 1,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const group = SNIPPET_GROUPS[next]!;
    setOpen(group);
    tabs.current.get(group)?.focus();
  }

  return (
    <div className="stack">
      <div role="tablist" aria-label={t("label")} className="tabs subtabs" onKeyDown={onKeyDown}>
        {SNIPPET_GROUPS.map((group) => (
          <button
            key={group}
            ref={(element) => {
              if (element) tabs.current.set(group, element);
            }}
            type="button"
            role="tab"
            id={`snippets-tab-${group}`}
            aria-selected={open === group}
            aria-controls={`snippets-${group}`}
            tabIndex={open === group ? 0 : -1}
            className="tab"
            onClick={() => setOpen(group)}
          >
            {t(group)}
          </button>
        ))}
      </div>
      {SNIPPET_GROUPS.map((group) => (
        <div
          key={group}
          role="tabpanel"
          id={`snippets-${group}`}
          aria-labelledby={`snippets-tab-${group}`}
          hidden={open !== group}
          className="stack"
        >
          {groups[group].map((snippet) => (
            <SnippetBlock key={snippet.id} snippet={snippet} />
          ))}
        </div>
      ))}
    </div>
  );
}
