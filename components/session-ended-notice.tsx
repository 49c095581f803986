"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useCallback, useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { SignedOutError } from "@/components/ui/use-live-read";

/**
 * Shown while the latest reading of any live view found the cabinet session ended: the view's
 * data stays as it was, so without it the admin would watch a page that no longer changes.
 */
export function SessionEndedNotice() {
  const t = useTranslations("common");
  const cache = useQueryClient().getQueryCache();
  const subscribe = useCallback((changed: () => void) => cache.subscribe(changed), [cache]);
  const ended = useSyncExternalStore(
    subscribe,
    () => cache.getAll().some((query) => query.state.status === "error" && query.state.error instanceof SignedOutError),
    () => false,
  );
  if (!ended) return null;
  return <Alert tone="error">{t.rich("sessionEnded", { link: (text) => <Link href="/login">{text}</Link> })}</Alert>;
}
