// Runs `prisma generate` without the native schema engine download that this
// environment (and many CI machines) cannot reach: generate needs no engine,
// but the CLI insists on one existing, so point it at any existing file.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
const result = spawnSync("npx", ["prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
