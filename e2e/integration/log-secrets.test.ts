// The logs of a full run never contain API keys, AMI passwords or clientIds: e2e/setup/full-run.ts
// drives the real code over HTTP with LOG_LEVEL=trace in a process of its own (connecting, failed
// logins, AMI checks, dialplan lookups and events, delivery through CRM outages and refusals,
// click-to-call failures, callbacks, unknown clientIds), and everything it writes is scanned for
// every secret it used, raw and in each encoding a URL, a form or a JSON string would give it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FullRunReport } from "@/e2e/setup/full-run";
import { findings } from "@/e2e/setup/secret-scan";
import { db } from "@/lib/db/client";

interface Run {
  code: number | null;
  output: string;
}

const workDir = mkdtempSync(path.join(tmpdir(), "full-run-"));
const reportPath = path.join(workDir, "report.json");
let run: Run;
let report: FullRunReport;
let lines: Record<string, unknown>[];

function fullRun(): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "e2e/setup/full-run.ts"], {
    // Its sources differ by X-Forwarded-For, as behind a proxy of ours on loopback.
    env: { ...process.env, LOG_LEVEL: "trace", FULL_RUN_REPORT: reportPath, TRUSTED_PROXIES: "127.0.0.1, ::1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString("utf8") });
    });
  });
}

beforeAll(async () => {
  run = await fullRun();
  report = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, "utf8")) as FullRunReport)
    : { apiKeys: [], amiSecrets: [], databasePasswords: [], retiredClientIds: [], steps: [] };
  lines = run.output.split("\n").flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return parsed && typeof parsed === "object" ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}, 180_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("the scan", () => {
  it("finds a secret raw, URL-encoded, form-encoded, JSON-escaped and inside a URL", () => {
    const secret = 'K+y/a b&c="d"%';
    const leaks = [
      `{"msg":"x","key":"${JSON.stringify(secret).slice(1, -1)}"}`,
      `GET http://crm.example/api/v5/users?apiKey=${encodeURIComponent(secret)}&page=1`,
      `POST body apiKey=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
      `Error: ${secret}`,
    ];
    for (const leak of leaks) expect(findings(`line\n${leak}\nline`, { apiKey: [secret] }), leak).toHaveLength(1);
    expect(findings("nothing to see", { apiKey: [secret] })).toEqual([]);
  });
});

describe("the logs of a full run", () => {
  it("ran to the end and logged enough to be worth scanning", () => {
    expect(run.code, run.output.slice(-3_000)).toBe(0);
    expect(report.steps.at(-1)).toBe("done");
    expect(lines.length).toBeGreaterThan(100);
    const messages = new Set(lines.map((line) => String(line.msg)));
    // The failure paths whose log lines carry errors, URLs and request details really ran.
    for (const expected of [
      "account connected",
      "connecting an account failed",
      "marketplace register with a bad token",
      "AMI access check failed",
      "Asterisk settings saved",
      "caller lookup in the CRM failed; answering empty",
      "unknown hangup status; sending it as failed",
      "the CRM refused a request; not retrying",
      "click-to-call originate failed",
      "click-to-call refused",
      "QueuePause failed",
      "manager status changed in the CRM",
      "module activity changed",
      "the activity callback differs from the CRM's own record",
      "re-registering the module at the new systemUrl failed",
      "clientId rotated",
      "database unavailable; answering 503",
      "a delivery failed for now; it will be tried again",
      "the account's CRM keeps failing; pausing its deliveries",
      "the account's CRM answers again; delivering",
    ]) {
      expect(messages, expected).toContain(expected);
    }
  });

  it("contains no API key, AMI password, clientId or service secret, in any encoding", async () => {
    const clientIds = (await db().account.findMany({ select: { clientId: true } })).map((a) => a.clientId);
    expect(clientIds).toHaveLength(2);
    const secrets = {
      apiKey: report.apiKeys,
      amiSecret: report.amiSecrets,
      clientId: [...clientIds, ...report.retiredClientIds],
      serviceSecret: [
        process.env.ENCRYPTION_KEY!,
        process.env.NEXTAUTH_SECRET!,
        process.env.MARKETPLACE_SECRET!,
        ...report.databasePasswords,
      ],
    };
    expect(findings(run.output, secrets)).toEqual([]);
  });

  it("has no credentials in URLs or headers it logged, whatever their value", () => {
    // Named, with the value's length only: the value is the leak.
    const inUrls = [
      ...run.output.matchAll(/[?&;](api_?key|secret|password|client_?id|token)=(?!\[redacted\])([^&\s"\\]+)/gi),
    ].map((m) => `${m[1]}=<${m[2]!.length} characters>`);
    expect(inUrls).toEqual([]);
    const inHeaders = [
      ...run.output.matchAll(/"(x-api-key|cookie|authorization|set-cookie)":"(?!\[redacted\])([^"]*)"/gi),
    ].map((m) => `${m[1]}: <${m[2]!.length} characters>`);
    expect(inHeaders).toEqual([]);
  });
});
