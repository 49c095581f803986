// A deployment filled as a hosted one fills, for the tenants section: one account connected as an
// admin connects one (the module registered, «Ваши телефоны» mapped), then as many more in its
// image as asked, each with a CRM address and an API key of its own, all answered by one
// retailCRM simulator (its limits are per key, as retailCRM's are per account).
import pg from "pg";
import { AMI_EVENTS_USER, mapExtensions } from "../../e2e/setup/factories";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../../e2e/sim/retailcrm";
import { connectAccount } from "@/lib/accounts";
import { ACCOUNT_CHANGES_CHANNEL } from "@/lib/cache/changes";
import { encryptSecret } from "@/lib/crypto/secrets";

/** The extension the recorded AMI call rings (e2e/fixtures/ami-transcripts): a CRM user of its own. */
const AMI_CALL_EXTENSION = { 7: "103" };
/** The context the recorded call comes in through. */
const AMI_INBOUND_CONTEXTS = ["inbound"];

export interface Tenant {
  id: string;
  clientId: string;
}

/** A loopback address of its own for account `n` (all of 127/8 reaches the simulator listening on 0.0.0.0). */
function host(n: number): string {
  return `127.${1 + Math.floor(n / 62_500)}.${1 + (Math.floor(n / 250) % 250)}.${1 + (n % 250)}`;
}

export async function sharedCrm(latencyMs: number): Promise<RetailCrmSim> {
  const crm = await createRetailCrmSim({ host: "0.0.0.0" });
  seedDemo(crm);
  crm.setLatency(latencyMs);
  return crm;
}

const apiKey = (n: number) => `bench-key-${n}`;

async function onDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Columns of `table` a copy takes as they are: all but those named and those a sequence numbers. */
async function copiedColumns(client: pg.Client, table: string, replaced: string[]): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 AND coalesce(column_default, '') NOT LIKE 'nextval(%'
     ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => row.column_name).filter((column) => !replaced.includes(column));
}

const quoted = (columns: string[]) => columns.map((column) => `"${column}"`).join(", ");

/**
 * `count` accounts (the first connected through the CRM, the rest its copies, every row of every
 * table it has), all in dialplan mode; the first `ami` with «Настройки Asterisk» of AMI mode ready
 * for the PBX on `ports[i]` (its clock in UTC, as the farm writes its CDR) but not switched on
 * (enableAmi does that).
 */
export async function fillDeployment(crm: RetailCrmSim, count: number, ports: number[]): Promise<Tenant[]> {
  const port = new URL(crm.url).port;
  const url = (n: number) => `http://${host(n)}:${port}`;
  for (let n = 0; n < count; n++) crm.addKey({ ...DEMO.key, key: apiKey(n) });
  const template = await connectAccount({ crmUrl: url(0), apiKey: apiKey(0) });
  await mapExtensions(template.id, { ...DEMO.extensions, ...AMI_CALL_EXTENSION });

  return onDatabase(async (client) => {
    await client.query("BEGIN");
    const n = Array.from({ length: count - 1 }, (_, i) => i + 1);
    await client.query(
      `CREATE TEMP TABLE clones ON COMMIT DROP AS
       SELECT gen_random_uuid() AS "id", u."url", u."key", md5(random()::text) || md5(random()::text) AS "clientId",
         'bench-' || u."n" AS "moduleCode"
       FROM unnest($1::text[], $2::text[], $3::int[]) AS u("url", "key", "n")`,
      [n.map(url), n.map((i) => encryptSecret(apiKey(i))), n],
    );
    const own = ["id", "crmUrl", "apiKeyEnc", "clientId", "moduleCode"];
    const accountColumns = await copiedColumns(client, "accounts", own);
    await client.query(
      `INSERT INTO "accounts" (${quoted([...own, ...accountColumns])})
       SELECT c."id", c."url", c."key", c."clientId", c."moduleCode", ${accountColumns.map((column) => `t."${column}"`).join(", ")}
       FROM "accounts" t CROSS JOIN clones c WHERE t."id" = $1`,
      [template.id],
    );
    const { rows: tables } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND column_name = 'accountId' AND table_name <> 'accounts'`,
    );
    for (const { table_name: table } of tables) {
      const columns = await copiedColumns(client, table, ["accountId"]);
      await client.query(
        `INSERT INTO "${table}" ("accountId", ${quoted(columns)})
         SELECT c."id", ${columns.map((column) => `t."${column}"`).join(", ")}
         FROM "${table}" t CROSS JOIN clones c WHERE t."accountId" = $1`,
        [template.id],
      );
    }
    const { rows: tenants } = await client.query<Tenant>(
      `SELECT $1::uuid::text AS "id", $2::text AS "clientId"
       UNION ALL SELECT "id"::text, "clientId" FROM clones`,
      [template.id, template.clientId],
    );
    const ami = tenants.slice(0, ports.length);
    await client.query(
      `UPDATE "asterisk_settings" s SET "amiHost" = '127.0.0.1', "amiEventsPort" = u."port", "amiPort" = u."port",
         "amiTransport" = 'TCP', "amiLogin" = $3, "amiSecretEnc" = $4, "inboundContexts" = $5,
         "pbxTimeZone" = 'UTC'
       FROM unnest($1::uuid[], $2::int[]) AS u("accountId", "port") WHERE s."accountId" = u."accountId"`,
      [
        ami.map((tenant) => tenant.id),
        ports,
        AMI_EVENTS_USER.username,
        encryptSecret(AMI_EVENTS_USER.secret),
        AMI_INBOUND_CONTEXTS,
      ],
    );
    await client.query("COMMIT");
    return tenants;
  });
}

/**
 * AMI mode switched on for these accounts, and every instance told as a save of the settings tells
 * it (one notice for them all): the holders take their connections at their next beat.
 */
export async function enableAmi(accounts: Tenant[]): Promise<void> {
  await onDatabase(async (client) => {
    await client.query(`UPDATE "asterisk_settings" SET "eventSource" = 'AMI' WHERE "accountId" = ANY($1::uuid[])`, [
      accounts.map((tenant) => tenant.id),
    ]);
    await client.query(`SELECT pg_notify('${ACCOUNT_CHANGES_CHANNEL}', '')`);
  });
}

/** How many AMI event connections each holding process has, most first. */
export async function heldByProcess(): Promise<number[]> {
  return onDatabase(async (client) =>
    (
      await client.query<{ held: number }>(
        `SELECT count(*)::int AS "held" FROM "ami_listeners" WHERE "workerId" IS NOT NULL GROUP BY "workerId" ORDER BY 1 DESC`,
      )
    ).rows.map((row) => row.held),
  );
}

/** What the database holds of the calls whose uniqueid starts with `prefix`: each call, its events and its requests. */
export async function callTrail(prefix: string): Promise<string[]> {
  return onDatabase(async (client) => {
    const { rows } = await client.query<{ line: string }>(
      `SELECT concat_ws(' ', 'call', c."uniqueid", c."result", c."createdAt"::text) AS "line", c."createdAt" AS "at" FROM "calls" c
       WHERE c."uniqueid" LIKE $1 || '%'
       UNION ALL
       SELECT concat_ws(' ', 'event', e."type", e."uniqueid", e."receivedAt"::text), e."receivedAt" FROM "call_events" e
       WHERE e."uniqueid" LIKE $1 || '%'
       UNION ALL
       SELECT concat_ws(' ', 'request', d."kind", d."state", d."failures"::text, d."lastError", d."updatedAt"::text), d."createdAt"
       FROM "deliveries" d JOIN "calls" c ON c."id" = d."callId" WHERE c."uniqueid" LIKE $1 || '%'
       ORDER BY 2`,
      [prefix],
    );
    return rows.map((row) => row.line);
  });
}
