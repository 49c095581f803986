/**
 * The headers of a PBX's requests: Asterisk's CURL() and cdr-sync.sh's curl ask for no
 * compression. fetch asks for gzip by default, and Next.js then compresses every answer of a
 * route handler (they are streamed, so no size threshold applies): a cost no PBX makes the
 * service pay (docs/performance.md, «Tenants at scale»).
 */
export const LIKE_CURL = { "accept-encoding": "identity" } as const;
