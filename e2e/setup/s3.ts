// A real S3-compatible server for the tests (s3rver, an npm package that speaks the S3 protocol
// over HTTP and keeps objects in a folder), as the CRM and PBX simulators stand in for theirs.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

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
