// A worker process as `npm run worker` runs one (delivery, the AMI event connections, the
// recordings' encoding and retention, the transcripts), for tests that kill it (delivery-durability.test.ts,
// delivery-sharing.test.ts, ami-failover.test.ts, ami-holders.test.ts,
// recording-compaction.test.ts, transcripts.test.ts), started by spawn-worker.ts.
// WORKER_CONCURRENCY caps its requests in flight; TRACKING_LEASE_MS and DELIVERY_LEASE_MS lengthen
// the AMI holders' and the delivery lanes' leases, for tests that tell a take-over by the liveness
// lock from one by the lease.
import { startCallTracking } from "../../lib/call-tracking";
import { startDeliveryWorker } from "../../lib/delivery";
import { startRecordingWork } from "../../lib/recordings";
import { startTranscriptWork } from "../../lib/transcripts";
import { FAST_DELIVERY, FAST_TRACKING } from "./delivery";

const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 256);
const runner = await startDeliveryWorker(process.env.DATABASE_URL!, {
  ...FAST_DELIVERY,
  concurrency,
  leaseMs: Number(process.env.DELIVERY_LEASE_MS ?? FAST_DELIVERY.leaseMs),
});
const tracking = await startCallTracking(process.env.DATABASE_URL!, {
  ...FAST_TRACKING,
  leaseMs: Number(process.env.TRACKING_LEASE_MS ?? FAST_TRACKING.leaseMs),
});
const recordings = await startRecordingWork(process.env.DATABASE_URL!, {
  encoders: 1,
  compactEveryMs: 200,
  retentionEveryMs: 500,
});
const transcripts = await startTranscriptWork(process.env.DATABASE_URL!, {
  everyMs: 100,
  retryBaseMs: 200,
  retryMaxMs: 2_000,
  retentionEveryMs: 500,
});
// Its ids among the holders of AMI event connections (ami_listeners."workerId") and of delivery lanes.
process.stdout.write(`ready ${tracking.id} ${runner.id}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(
    signal,
    () =>
      void Promise.all([tracking.stop(), runner.stop(), recordings.stop(), transcripts.stop()]).then(() =>
        process.exit(0),
      ),
  );
await runner.promise;
