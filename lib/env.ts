import { z } from "zod";
import { parseIpRanges } from "./net/ip-ranges";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const secretKey = z
  .string()
  .refine((v) => decodeKey(v) !== null, "must be 32 bytes, written as 64 hex characters or base64");

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default(".data"),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DELIVERY_CONCURRENCY: z.coerce.number().int().min(0).max(10_000).default(256),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
    ENCRYPTION_KEY: secretKey,
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
    MARKETPLACE_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    MODULE_CODE: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, "must be lowercase latin letters, digits and dashes")
      .default("asterisk-bridge"),
    CRM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    AMI_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    RECORDINGS_DIR: z.string().min(1).optional(),
    RECORDING_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(100 * 1024 * 1024),
    /** Bytes of recordings one account may keep; an upload past it is refused (docs/recordings.md). */
    RECORDINGS_QUOTA_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(Number.MAX_SAFE_INTEGER)
      .default(10 * 1024 * 1024 * 1024),
    /** Recordings a worker process encodes to MP3 at once, each in a thread of its own (docs/recordings.md). */
    RECORDING_ENCODERS: z.coerce.number().int().min(0).max(16).default(1),
    /** Yandex SpeechKit's recognition and operation hosts (docs/transcripts.md); tests point them at a simulator. */
    SPEECHKIT_STT_URL: z.url({ protocol: /^https?$/ }).default("https://stt.api.cloud.yandex.net"),
    SPEECHKIT_OPERATION_URL: z.url({ protocol: /^https?$/ }).default("https://operation.api.cloud.yandex.net"),
    /** Time limit of one request to a speech or summary engine, and of one SpeechKit recognition. */
    TRANSCRIPTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
    ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
    TRUSTED_PROXIES: z
      .string()
      .default("")
      .refine((v) => {
        try {
          parseIpRanges(v);
          return true;
        } catch {
          return false;
        }
      }, "must be IP addresses or CIDR ranges, comma-separated (e.g. 10.0.0.0/8, 127.0.0.1)"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Bearer token of GET /api/metrics; unset, the endpoint answers 404 (docs/metrics.md). */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Distinct accounts a metric names before the rest count as "other"; 0 names none. */
    METRICS_ACCOUNT_LABELS: z.coerce.number().int().min(0).max(1_000).default(50),
    /** npm run worker only: serve its own /api/metrics on this port (it has no other HTTP). */
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    // Recordings in S3-compatible object storage when a bucket is named (docs/recordings.md).
    S3_BUCKET: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "must be an S3 bucket name (3–63 lowercase letters, digits, dots, dashes)",
      )
      .optional(),
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: booleanFlag.default(false),
    S3_PREFIX: z
      .string()
      .regex(/^(?:[A-Za-z0-9!_.*'()-]+\/)*$/, "must be empty or folder names ending in /, such as recordings/")
      .default("recordings/"),
  })
  .refine((e) => !e.S3_ACCESS_KEY_ID === !e.S3_SECRET_ACCESS_KEY, {
    path: ["S3_SECRET_ACCESS_KEY"],
    message: "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together (or neither, for the SDK's own credentials)",
  });

export type Env = z.infer<typeof envSchema> & { PUBLIC_URL: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads a 32-byte key given as 64 hex characters or as base64; null when it is neither. */
export function decodeKey(value: string): Buffer | null {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  return bytes.length === 32 ? bytes : null;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        return issue.code === "invalid_type" && present[name] === undefined
          ? `${name} is required but not set`
          : `${name}: ${issue.message}`;
      }),
    );
  }
  const env = result.data;
  return { ...env, PUBLIC_URL: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "") };
}

let cached: Env | undefined;

/** The validated configuration of this process (read once). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
