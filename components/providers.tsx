"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { SignedOutError } from "@/components/ui/use-live-read";

/** A failed read is tried once more, unless it found the session ended: asking again cannot help. */
const retry = (failures: number, error: Error) => !(error instanceof SignedOutError) && failures < 1;

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000, retry } } }));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
