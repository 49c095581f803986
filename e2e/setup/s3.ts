// A real S3-compatible server for the tests (s3rver, an npm package that speaks the S3 protocol
// over HTTP and keeps objects in a folder), as the CRM and PBX simulators stand in for theirs.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { S3RecordingStorage } from "@/lib/recordings/s3-storage";
import { LocalRecordingStorage } from "@/lib/recordings/storage";
import type { RecordingStore, RecordingStores } from "@/lib/recordings/stores";

export interface S3Server {
  /** The variables that point the service at it. */
  env: {
    S3_ENDPOINT: string;
    S3_BUCKET: string;
    S3_REGION: string;
    S3_ACCESS_KEY_ID: string;
    S3_SECRET_ACCESS_KEY: string;
    S3_FORCE_PATH_STYLE: string;
    S3_PREFIX: string;
  };
  /** Objects the bucket holds now. */
  objectCount(): Promise<number>;
  close(): Promise<void>;
}

const BUCKET = "bridge-recordings";

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

export async function startS3(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), "bridge-s3-"));
  // s3rver checks request signatures against this one account.
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: BUCKET,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_FORCE_PATH_STYLE: "true",
      S3_PREFIX: "recordings/",
    },
    // s3rver keeps an object as a file and its metadata beside it.
    objectCount: async () =>
      (await filesUnder(path.join(directory, BUCKET))).filter((file) => file.endsWith("._S3rver_object")).length,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The recordings' storage in the server's bucket, configured as lib/recordings/stores.ts does. */
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
