import { WorkerLiveness } from "@/lib/db/liveness";
import { periodic } from "@/lib/db/periodic";
import { log } from "@/lib/log";
import { compactPending, encoderId, removeStaleTemp } from "./compaction";
import { EncoderPool } from "./encoder-pool";
import { deleteExpired } from "./retention";
import { recordingStores } from "./stores";

export interface RecordingWorkOptions {
  /** Recordings encoded at once, each in a thread (RECORDING_ENCODERS); 0 encodes none here. */
  encoders: number;
  /** How often waiting recordings are looked for (ms). */
  compactEveryMs?: number;
  /** How often expired recordings are looked for (ms). */
  retentionEveryMs?: number;
}

export interface RecordingWork {
  /** This process's id as an encoder (recordings.encoder). */
  readonly id: string;
  stop(): Promise<void>;
}

/**
 * The recordings' background work in a worker process (docs/recordings.md): compact copies,
 * made in `encoders` threads, and retention. Web processes run none of it.
 */
export async function startRecordingWork(
  connectionString: string,
  options: RecordingWorkOptions,
): Promise<RecordingWork> {
  const id = encoderId();
  const stores = recordingStores();
  const liveness = new WorkerLiveness(connectionString);
  await liveness.hold(id);
  await removeStaleTemp(stores.tmpDir);
  const pool = options.encoders > 0 ? new EncoderPool(options.encoders) : undefined;
  const compaction = pool
    ? periodic(
        options.compactEveryMs ?? 2_000,
        () => compactPending(id, pool, stores).then(() => undefined),
        "recording encoding",
      )
    : undefined;
  const retention = periodic(
    options.retentionEveryMs ?? 10 * 60_000,
    () => deleteExpired(stores).then(() => undefined),
    "recording retention",
  );
  log.info({ encoders: options.encoders }, "recording work started");
  return {
    id,
    async stop() {
      await pool?.close();
      await Promise.all([compaction?.stop(), retention.stop()]);
      await liveness.close();
    },
  };
}
