"use client";

import { useQuery, type QueryKey } from "@tanstack/react-query";

/** A cabinet read answered 401: the session ended (signed out in another tab, expired, revoked). */
export class SignedOutError extends Error {
  constructor(url: string) {
    super(`GET ${url} answered 401: the cabinet session ended`);
    this.name = "SignedOutError";
  }
}

/**
 * Server state a tab must keep current (docs/cabinet.md, «How the cabinet is written»): what the
 * server rendered first, then `url` (a cabinet read) again every `intervalMs` while the tab is
 * visible, when the admin comes back to it, and at once when an action invalidates `key`. A read
 * that fails keeps the last data shown; the next one tries again. Once a read finds the session
 * ended, the tab stops asking on its own (SessionEndedNotice says so); coming back to it asks once.
 */
export function useLiveRead<T extends object | null>(
  key: QueryKey,
  url: string,
  initialData: T,
  intervalMs: number,
): T {
  return useQuery({
    queryKey: key,
    queryFn: async ({ signal }) => {
      const response = await fetch(url, { signal, cache: "no-store", headers: { accept: "application/json" } });
      if (response.status === 401) throw new SignedOutError(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return (await response.json()) as T;
    },
    initialData,
    // Fresh for one interval: the server's render is not read again at once, a return after longer is.
    staleTime: intervalMs,
    refetchInterval: (query) => (query.state.error instanceof SignedOutError ? false : intervalMs),
  }).data;
}
