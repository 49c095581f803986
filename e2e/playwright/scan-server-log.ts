// Playwright global teardown: the server's log of the whole browser run (at debug level) must not
// contain an API key, an AMI password, a clientId or a secret of the service, in any encoding.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { DEMO } from "../sim/retailcrm";
import { databaseUrl } from "../setup/databases";
import { findings } from "../setup/secret-scan";
import { AMI_USER, MARKETPLACE_SECRET } from "../specs/support";
import { E2E_DATA_DIR, E2E_SECRETS, SERVER_LOG } from "./server-log";

// A browser run logs 40–50 lines at debug (connections, settings, refusals, deliveries); fewer
// means the log was not captured or the server did not get that far.
const MIN_LINES = 30;

function serverDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return databaseUrl(process.env.DATABASE_URL, "bridge_e2e");
  const password = readFileSync(path.join(E2E_DATA_DIR, "password"), "utf8").trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${process.env.E2E_EMBEDDED_PG_PORT ?? "54331"}/bridge`;
}

function serviceSecrets(): string[] {
  const local = path.join(E2E_DATA_DIR, "local-secrets.json");
  const secrets =
    process.env.DATABASE_URL || !existsSync(local)
      ? E2E_SECRETS
      : (JSON.parse(readFileSync(local, "utf8")) as typeof E2E_SECRETS);
  return [secrets.ENCRYPTION_KEY, secrets.NEXTAUTH_SECRET, MARKETPLACE_SECRET];
}

async function clientIds(): Promise<string[]> {
  const client = new pg.Client({ connectionString: serverDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<{ clientId: string }>('SELECT "clientId" FROM accounts')).rows.map((r) => r.clientId);
  } finally {
    await client.end();
  }
}

export default async function scanServerLog(): Promise<void> {
  if (!existsSync(SERVER_LOG)) {
    if (process.env.CI) throw new Error(`${SERVER_LOG} is missing: the server's log was not captured`);
    process.stderr.write(`${SERVER_LOG} is missing (a server started outside this run was reused): log scan skipped\n`);
    return;
  }
  const output = readFileSync(SERVER_LOG, "utf8");
  const lines = output.split("\n").filter((line) => line.startsWith("{")).length;
  if (lines < MIN_LINES) throw new Error(`${SERVER_LOG} has ${lines} log lines: too few for the scan to mean anything`);
  const ids = await clientIds();
  if (ids.length === 0) throw new Error("no account was connected during the run: nothing to scan for");
  const found = findings(output, {
    apiKey: [DEMO.apiKey],
    amiSecret: [AMI_USER.secret],
    clientId: ids,
    serviceSecret: serviceSecrets(),
  });
  if (found.length) throw new Error(`secrets in ${SERVER_LOG}:\n${found.slice(0, 20).join("\n")}`);
  process.stdout.write(`${SERVER_LOG}: ${lines} log lines, no secret found (${ids.length} clientIds checked)\n`);
}
