"use client";

import { useQuery, type QueryKey } from "@tanstack/react-query";

/**
 * Server state a tab must keep current (docs/cabinet.md, «How the cabinet is written»): what the
 * server rendered first, then `url` (a cabinet read) again every `intervalMs` while the tab is
 * visible, when the admin comes back to it, and at once when an action invalidates `key`. A read
 * that fails keeps the last data shown; the next one tries again.
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
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return (await response.json()) as T;
    },
    initialData,
    // Fresh for one interval: the server's render is not read again at once, a return after longer is.
    staleTime: intervalMs,
    refetchInterval: intervalMs,
  }).data;
}
