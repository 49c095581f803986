import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function start(env: Record<string, string | undefined>) {
  const result = spawnSync("npx", ["tsx", "scripts/start.ts"], {
    env: { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe("npm start configuration check", () => {
  const database = { DATABASE_URL: process.env.DATABASE_URL };

  it("stops with a message naming a missing variable", () => {
    const { status, stderr } = start({ ...database, NEXTAUTH_SECRET: "x".repeat(32) });
    expect(status).toBe(1);
    expect(stderr).toContain("ENCRYPTION_KEY is required but not set");
    expect(stderr).toContain(".env.example");
  });

  it("stops with a message naming a malformed variable", () => {
    const { status, stderr } = start({
      ...database,
      ENCRYPTION_KEY: "00".repeat(32),
      NEXTAUTH_SECRET: "x".repeat(32),
      PORT: "eighty",
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/PORT: /);
  });
});
