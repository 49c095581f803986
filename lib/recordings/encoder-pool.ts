import { Worker } from "node:worker_threads";
import type { EncodeJob } from "./encoder-thread";
import type { CompactResult } from "./mp3";

// The thread loads its TypeScript through tsx, as npm run worker does. The file is named at run
// time, not as `new URL(literal, import.meta.url)`, which a bundler would take for an asset: web
// processes (Next.js) import this module but never encode.
const THREAD_FILE = import.meta.url.replace(/[^/]*$/, "encoder-thread.ts");
const THREAD_SOURCE = `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(THREAD_FILE)}, ${JSON.stringify(import.meta.url)}))`;
/** A thread's heap: a recording of hours is encoded in pieces, so one that grows past this is a fault. */
const THREAD_HEAP_MB = 256;

interface Waiter {
  resolve(result: CompactResult): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  job?: Waiter & { id: number };
}

/**
 * Encoders in worker threads (docs/recordings.md, «Compact copies»): at most `size` recordings at
 * once, the rest wait in turn. The event loop of the process that asks is never blocked by an
 * encoding, and a thread that dies (out of memory, say) fails its one recording, not the process.
 */
export class EncoderPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: (Waiter & { job: Omit<EncodeJob, "id"> })[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number) {}

  encode(wavPath: string, mp3Path: string): Promise<CompactResult> {
    if (this.closed) return Promise.reject(new Error("the encoder pool is closed"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { wavPath, mp3Path }, resolve, reject });
      this.pump();
    });
  }

  /** Ends every thread; encodings in flight and waiting are abandoned (rejected), their recordings left pending. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error("the encoder pool is closed"));
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      let thread = this.threads.find((candidate) => !candidate.job);
      if (!thread && this.threads.length < this.size) thread = this.start();
      if (!thread) return;
      const { job, resolve, reject } = this.waiting.shift()!;
      const id = this.nextId++;
      thread.job = { id, resolve, reject };
      thread.worker.postMessage({ id, ...job } satisfies EncodeJob);
    }
  }

  private start(): Thread {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    const thread: Thread = { worker };
    worker.on("message", (message: { id: number; result: CompactResult }) => {
      const job = thread.job;
      if (job?.id !== message.id) return;
      thread.job = undefined;
      job.resolve(message.result);
      this.pump();
    });
    const lost = (reason: string) => {
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      const job = thread.job;
      thread.job = undefined;
      if (this.closed) job?.reject(new Error("the encoder pool is closed"));
      else {
        job?.resolve({ kind: "failed", reason });
        this.pump();
      }
    };
    worker.on("error", (error) => lost(`the encoder thread failed: ${error.message}`));
    worker.on("exit", (code) => lost(`the encoder thread exited (${code})`));
    worker.unref();
    this.threads.push(thread);
    return thread;
  }
}
