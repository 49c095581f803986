// The import boundaries of .dependency-cruiser.mjs (docs/architecture.md, «Boundaries») fire on
// a small tree made for the purpose: each rule is shown failing, and a tree that keeps them passes.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cruise } from "dependency-cruiser";
import { afterEach, describe, expect, it } from "vitest";
import config from "../.dependency-cruiser.mjs";

let root = "";
afterEach(() => rm(root, { recursive: true, force: true }));

/** The violations (rule, from, to) of a tree given as file → source. */
async function violations(tree: Record<string, string>): Promise<string[][]> {
  root = await mkdtemp(path.join(tmpdir(), "import-rules-"));
  for (const [file, source] of Object.entries(tree)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), source);
  }
  const tops = [...new Set(Object.keys(tree).map((file) => file.split("/")[0]!))];
  const result = await cruise(tops, {
    ruleSet: { forbidden: config.forbidden },
    validate: true,
    baseDir: root,
    tsPreCompilationDeps: true,
  });
  if (typeof result.output === "string") throw new Error("expected a cruise result, not a report");
  return result.output.summary.violations.map((v) => [v.rule.name, v.from, v.to]).sort();
}

const ACCOUNTS = {
  "lib/accounts/index.ts": 'export { connect } from "./connect";\n',
  "lib/accounts/connect.ts": "export const connect = 1;\n",
};

describe("import boundaries", () => {
  it("pass a tree that enters capabilities by their doors", async () => {
    expect(
      await violations({
        ...ACCOUNTS,
        "lib/db/client.ts": "export const db = 1;\n",
        "lib/journal/index.ts":
          'import { connect } from "../accounts";\nimport { db } from "../db/client";\nexport const j = connect + db;\n',
        "app/page.ts": 'import { connect } from "../lib/accounts";\nexport const p = connect;\n',
      }),
    ).toEqual([]);
  });

  it("fail an import of a capability's inside, from a route or from another capability", async () => {
    expect(
      await violations({
        ...ACCOUNTS,
        "lib/journal/index.ts": 'import { connect } from "../accounts/connect";\nexport const j = connect;\n',
        "app/page.ts": 'import { connect } from "../lib/accounts/connect";\nexport const p = connect;\n',
      }),
    ).toEqual([
      ["capability-door", "lib/journal/index.ts", "lib/accounts/connect.ts"],
      ["capability-door-from-outside-lib", "app/page.ts", "lib/accounts/connect.ts"],
    ]);
  });

  it("fail shared ground that imports a capability, and lib or a component that imports app", async () => {
    const found = await violations({
      ...ACCOUNTS,
      "lib/db/client.ts": 'import { connect } from "../accounts";\nexport const db = connect;\n',
      "app/actions.ts": "export const act = 1;\n",
      "components/form.ts": 'import { act } from "../app/actions";\nexport const f = act;\n',
    });
    expect(found).toContainEqual(["shared-ground-imports-no-capability", "lib/db/client.ts", "lib/accounts/index.ts"]);
    expect(found).toContainEqual(["components-import-no-app", "components/form.ts", "app/actions.ts"]);
  });

  it("fail an import cycle", async () => {
    const found = await violations({
      "lib/db/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "lib/db/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
    });
    expect(found.map(([rule, from]) => [rule, from])).toEqual([["no-cycles", "lib/db/a.ts"]]);
  });
});
