// `npm run lint:exports` (knip, knip.json) fails on what nothing uses: shown here on a small
// project made for the purpose, with the repository's own knip.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const KNIP = path.join(process.cwd(), "node_modules", "knip", "bin", "knip.js");
let root = "";
afterEach(() => rm(root, { recursive: true, force: true }));

async function knip(lib: string): Promise<{ status: number | null; output: string }> {
  root = await mkdtemp(path.join(tmpdir(), "unused-exports-"));
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "probe", type: "module", private: true }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: { strict: true, module: "esnext", moduleResolution: "bundler" },
    }),
    "knip.json": JSON.stringify({ entry: ["main.ts"], project: ["**/*.ts"] }),
    "main.ts": 'import { used } from "./lib/a";\nconsole.log(used);\n',
    "lib/a.ts": lib,
  };
  await mkdir(path.join(root, "lib"));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(root, file), text);
  const run = spawnSync(process.execPath, [KNIP, "--no-progress"], { cwd: root, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe("unused exports", () => {
  it("fail the check, naming the export and its place", async () => {
    const { status, output } = await knip("export const used = 1;\nexport const unused = 2;\n");
    expect(status).toBe(1);
    expect(output).toMatch(/Unused exports \(1\)\s+unused\s+lib\/a\.ts:2:14/);
  });

  it("pass when every export is used", async () => {
    expect(await knip("export const used = 1;\n")).toMatchObject({ status: 0 });
  });
});
