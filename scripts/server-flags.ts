// Node flags of the production server (npm start, and the benchmarks, which must run it the same way).

/**
 * The live heap stays near 60 MB under load, but V8 lets it grow to a few hundred MB before it
 * collects; capping it keeps the server's RSS under 300 MB (see docs/performance.md).
 * A --max-old-space-size in NODE_OPTIONS wins.
 */
export const SERVER_HEAP_MB = 160;

/**
 * The worker process npm start runs beside the server holds the AMI event connections: each
 * account's is bounded (docs/security.md, «АТС арендатора»), and the cap keeps a deployment's
 * worker from growing without end whatever its PBXs send; should it still be reached, only the
 * worker dies, and npm start starts it again.
 */
export const WORKER_HEAP_MB = 256;

export function serverNodeFlags(nodeOptions = process.env.NODE_OPTIONS ?? "", heapMb = SERVER_HEAP_MB): string[] {
  return nodeOptions.includes("--max-old-space-size") ? [] : [`--max-old-space-size=${heapMb}`];
}
