/**
 * The address a request came from, as the nearest hop saw it: Next.js fills X-Forwarded-For
 * from the socket when the header is absent, and a reverse proxy appends the peer it saw, so
 * the last entry is the one no client can choose (as long as a proxy stands in front).
 */
export function sourceAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").at(-1)?.trim();
  return last || "unknown";
}
