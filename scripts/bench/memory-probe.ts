// Bench only, preloaded into the workers the bench starts (with --expose-gc): on SIGUSR2
// the process collects its whole heap and prints what it holds, so that two readings compare what
// the process keeps, not when V8 last collected (docs/performance.md, «Memory per held connection»).
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("memory-probe needs node --expose-gc");

process.on("SIGUSR2", () => {
  collect();
  collect();
  process.stdout.write(`memory-probe ${JSON.stringify(process.memoryUsage())}\n`);
});
