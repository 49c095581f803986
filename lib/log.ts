import pino from "pino";

/** Paths whose values never reach the logs: keys, passwords, shared secrets and session cookies. */
export const redactedPaths = [
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "amiSecret",
  "*.amiSecret",
  "clientId",
  "*.clientId",
  "token",
  "*.token",
  "connectionString",
  "*.connectionString",
  "headers.cookie",
  "headers.authorization",
  'headers["x-api-key"]',
  "*.headers.cookie",
  "*.headers.authorization",
  '*.headers["x-api-key"]',
];

export function createLogger(level = process.env.LOG_LEVEL ?? "info", destination?: pino.DestinationStream) {
  return pino(
    {
      level,
      base: { service: "asterisk-retailcrm-bridge" },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export const log = createLogger();
