// Node flags of the production server (npm start, and the benchmarks, which must run it the same way).

/**
 * The live heap stays near 60 MB under load, but V8 lets it grow to a few hundred MB before it
 * collects; capping it keeps the server's RSS under 300 MB (see README «Производительность»).
 * A --max-old-space-size in NODE_OPTIONS wins.
 */
export const SERVER_HEAP_MB = 160;

export function serverNodeFlags(nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  return nodeOptions.includes("--max-old-space-size") ? [] : [`--max-old-space-size=${SERVER_HEAP_MB}`];
}
