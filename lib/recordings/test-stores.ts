// The recordings' stores as tests make them: the disk in a folder of the test's own, or the bucket
// of a real S3-compatible server (e2e/setup/s3.ts), configured as stores.ts configures it.
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { S3Server } from "@/e2e/setup/s3";
import { S3RecordingStorage } from "./s3-storage";
import { LocalRecordingStorage } from "./storage";
import type { RecordingStore, RecordingStores } from "./stores";

/** The recordings' storage in the server's bucket. */
export function s3Storage(server: S3Server, tmpDir: string): S3RecordingStorage {
  const { env } = server;
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return new S3RecordingStorage(client, env.S3_BUCKET, env.S3_PREFIX, tmpDir);
}

/**
 * The recordings' stores of one test, all in `kind`: a new folder on this disk (also the temporary
 * folder), or the server's bucket; `fileCount` counts what the test left in them.
 */
export async function testStores(
  kind: RecordingStore,
  server: S3Server,
): Promise<{ root: string; stores: RecordingStores; fileCount(): Promise<number> }> {
  const root = await mkdtemp(path.join(tmpdir(), "recordings-"));
  const tmpDir = path.join(root, ".tmp");
  const storage = kind === "LOCAL" ? new LocalRecordingStorage(root) : s3Storage(server, tmpDir);
  const objectsBefore = await server.objectCount();
  return {
    root,
    stores: { current: kind, tmpDir, storageOf: () => storage },
    async fileCount() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).length + (await server.objectCount()) - objectsBefore;
    },
  };
}
