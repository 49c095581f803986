// The encoder's worker thread (encoder-pool.ts): one recording at a time, WAV file in, MP3 file out.
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { compactWav } from "./mp3";

// The lowest CPU priority, for this thread alone (Linux keeps a nice value per thread): the
// process's own work (delivery, AMI) and the web processes on the same cores go first.
setPriority(19);

export interface EncodeJob {
  id: number;
  wavPath: string;
  mp3Path: string;
}

parentPort!.on("message", (job: EncodeJob) => {
  void compactWav(job.wavPath, job.mp3Path).then((result) => parentPort!.postMessage({ id: job.id, result }));
});
