import { randomUUID } from "node:crypto";
import { WorkerLiveness } from "@/lib/db/liveness";
import { periodic } from "@/lib/db/periodic";
import { log } from "@/lib/log";
import { EngineError } from "./engine";
import { translatorFor } from "@/lib/i18n/translate";
import { claimTranscriptions, forgetDeleted, postpone, queueRecordings, settle, type Claimed } from "./queue";
import { transcribe } from "./transcribe";

export interface TranscriptWorkOptions {
  /** Calls transcribed at once by this process, each of another account. */
  concurrency?: number;
  /** How often the queue is looked at (ms). */
  everyMs?: number;
  /** A temporary failure without the engine's Retry-After waits base · 2^(attempts − 1), up to max (ms). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Tries before a call's transcription is given up as failed. */
  maxAttempts?: number;
  /** How often transcripts whose recordings retention deleted are forgotten (ms). */
  retentionEveryMs?: number;
}

export interface TranscriptWork {
  readonly id: string;
  stop(): Promise<void>;
}

/**
 * The transcription worker of a worker process (docs/transcripts.md, «Queue»): queues new
 * recordings, takes calls fairly among accounts under its liveness lock, and runs each to its
 * note or its recorded failure. At least once: a call whose process died is taken again.
 */
export async function startTranscriptWork(
  connectionString: string,
  options: TranscriptWorkOptions = {},
): Promise<TranscriptWork> {
  const id = `transcriber-${randomUUID()}`;
  const concurrency = options.concurrency ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 5_000;
  const retryMaxMs = options.retryMaxMs ?? 15 * 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const liveness = new WorkerLiveness(connectionString);
  await liveness.hold(id);
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();

  const run = async (claimed: Claimed) => {
    try {
      await transcribe(claimed, id, stopping.signal);
    } catch (error) {
      if (stopping.signal.aborted) return postpone(claimed.id, id, 0, "stopped");
      const failure = error instanceof EngineError ? error : null;
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ transcriptId: claimed.id, accountId: claimed.accountId, err: message }, "transcription failed");
      if (failure?.temporary && claimed.attempts < maxAttempts) {
        const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** (claimed.attempts - 1));
        return postpone(claimed.id, id, failure.retryAfterMs ?? backoff, message);
      }
      return settle(claimed.id, id, "FAILED", message);
    }
  };

  const loop = periodic(
    options.everyMs ?? 2_000,
    async () => {
      await queueRecordings();
      const room = concurrency - running.size;
      if (room <= 0) return;
      for (const claimed of await claimTranscriptions(id, room)) {
        const task = run(claimed)
          .catch((error: unknown) => log.warn({ err: error }, "a transcription's outcome could not be stored"))
          .finally(() => running.delete(task));
        running.add(task);
      }
    },
    "transcription",
  );
  const reasons = {
    ru: translatorFor("ru", "transcripts")("deletedWithRecording"),
    en: translatorFor("en", "transcripts")("deletedWithRecording"),
  };
  const retention = periodic(
    options.retentionEveryMs ?? 10 * 60_000,
    () => forgetDeleted(reasons).then(() => undefined),
    "transcript retention",
  );
  log.info({ concurrency }, "transcription work started");
  return {
    id,
    async stop() {
      await Promise.all([loop.stop(), retention.stop()]);
      stopping.abort();
      await Promise.all(running);
      await liveness.close();
    },
  };
}
