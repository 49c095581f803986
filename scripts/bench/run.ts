// npm run bench [-- manager event delivery fairness memory overview routing recordings tenants]: the
// service's production build under load, beside its references, every figure against its target.
// See docs/performance.md.
import "./process-env";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { killAllNow, stopAll } from "./children";
import { config, RESULTS_DIR } from "./config";
import { connectedAccount } from "./crm";
import { autovacuumIsOn, dropBenchDatabase, freshDatabase, maintainTables } from "./database";
import { startBareServer, startWorkers } from "./processes";
import { clearProfiles, sectionProfiles } from "./profiling";
import { renderSummary, type ProfileSummary } from "./profile-summary";
import type { Section, SectionContext } from "./section";
import { deliverySection } from "./sections/delivery";
import { eventSection } from "./sections/event";
import { fairnessSection } from "./sections/fairness";
import { managerSection } from "./sections/manager";
import { memorySection } from "./sections/memory";
import { overviewSection } from "./sections/overview";
import { recordingsSection } from "./sections/recordings";
import { routingSection } from "./sections/routing";
import { tenantsSection } from "./sections/tenants";
import { transcriptsSection } from "./sections/transcripts";
import { buildProduction, startService } from "./server";
import { renderTable, type Row } from "./table";

const SECTIONS: Record<string, Section> = {
  manager: managerSection,
  event: eventSection,
  delivery: deliverySection,
  fairness: fairnessSection,
  memory: memorySection,
  overview: overviewSection,
  routing: routingSection,
  recordings: recordingsSection,
  transcripts: transcriptsSection,
  tenants: tenantsSection,
};

function chosenSections(args: string[]): string[] {
  const unknown = args.filter((name) => !(name in SECTIONS));
  if (unknown.length)
    throw new Error(`unknown section ${unknown.join(", ")}; choose from ${Object.keys(SECTIONS).join(", ")}`);
  return args.length ? args : Object.keys(SECTIONS);
}

interface SectionOutcome {
  rows: Row[];
  raw: Record<string, unknown>;
  profiles: ProfileSummary[];
  error?: string;
}

/** Runs one section on a new database; whatever it started is stopped when it ends, however it ends. */
async function runSection(name: string, section: Section, bareUrl: string, vacuum: boolean): Promise<SectionOutcome> {
  await freshDatabase();
  const undo: (() => Promise<void>)[] = vacuum ? [maintainTables()] : [];
  const raw: Record<string, unknown> = {};
  const context: SectionContext = {
    bareUrl,
    async service(label, env) {
      const service = await startService(`${name}-${label}`, env);
      undo.push(() => service.stop());
      return service;
    },
    async workers(count, label) {
      const workers = await startWorkers(count, `${name}-${label}`);
      undo.push(() => Promise.all(workers.map((worker) => worker.stop())).then(() => undefined));
      return workers;
    },
    async account() {
      const account = await connectedAccount();
      undo.push(() => account.crm.close());
      return account;
    },
    record(key, value) {
      raw[key] = value;
    },
  };
  let rows: Row[] = [];
  let error: string | undefined;
  try {
    rows = await section(context);
  } catch (failure) {
    error = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
  } finally {
    for (const step of undo.reverse()) await step();
  }
  // Profiles are written as the processes exit: only now are they complete.
  return { rows, raw, profiles: sectionProfiles(name), ...(error ? { error } : {}) };
}

async function main(): Promise<number> {
  const names = chosenSections(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  if (config.profile) clearProfiles();
  const startedAt = new Date();
  if (!config.skipBuild) {
    console.log("next build …");
    await buildProduction();
  }
  const vacuum = !(await autovacuumIsOn());
  if (vacuum)
    console.log("PostgreSQL runs without autovacuum: the bench vacuums and analyses its database every 30 s instead");
  const bare = await startBareServer();
  const outcomes: Record<string, SectionOutcome> = {};
  try {
    for (const name of names) {
      console.log(`${name} …`);
      const outcome = await runSection(name, SECTIONS[name]!, bare.url, vacuum);
      outcomes[name] = outcome;
      if (outcome.error) console.error(`${name} failed: ${outcome.error}`);
    }
  } finally {
    await bare.stop();
  }

  const rows = Object.values(outcomes).flatMap((outcome) => outcome.rows);
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const results = {
    startedAt,
    finishedAt: new Date(),
    machine,
    config: { ...config, benchVacuums: vacuum },
    sections: outcomes,
  };
  writeFileSync(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);

  console.log(`\n${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
  console.log(renderTable(rows));
  for (const summary of Object.values(outcomes).flatMap((outcome) => outcome.profiles))
    console.log(`\n${renderSummary(summary)}`);
  const missed = rows.filter((row) => row.target && !row.target.ok).length;
  const failed = Object.keys(outcomes).filter((name) => outcomes[name]!.error);
  console.log(
    `\n${rows.length} figures, ${missed} missed${failed.length ? `; failed sections: ${failed.join(", ")}` : ""}. Results: ${RESULTS_DIR}/latest.json`,
  );
  return failed.length ? 1 : 0;
}

async function cleanUp(): Promise<void> {
  await stopAll();
  await dropBenchDatabase().catch((error: unknown) =>
    console.error(`dropping the bench database failed: ${String(error)}`),
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the benchmark started`);
    void cleanUp().finally(() => process.exit(130));
  });
}
process.once("exit", killAllNow);

main()
  .then(
    (code) => code,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  });
