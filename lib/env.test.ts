import { describe, expect, it } from "vitest";
import { ConfigError, decodeKey, parseEnv } from "./env";

const valid = {
  ENCRYPTION_KEY: "00".repeat(32),
  NEXTAUTH_SECRET: "x".repeat(32),
};

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv(valid);
    expect(env).toMatchObject({
      PORT: 3000,
      PUBLIC_URL: "http://localhost:3000",
      MODULE_CODE: "asterisk-bridge",
      ALLOW_PRIVATE_NETWORKS: false,
      DB_POOL_SIZE: 10,
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("names a missing variable", () => {
    expect(problems({ NEXTAUTH_SECRET: valid.NEXTAUTH_SECRET })).toEqual(["ENCRYPTION_KEY is required but not set"]);
  });

  it("treats an empty value as missing", () => {
    expect(problems({ ...valid, NEXTAUTH_SECRET: "" })).toEqual(["NEXTAUTH_SECRET is required but not set"]);
  });

  it("names every malformed variable with the reason", () => {
    const found = problems({
      ...valid,
      PORT: "http",
      DATABASE_URL: "mysql://db/x",
      ENCRYPTION_KEY: "short",
      ALLOW_PRIVATE_NETWORKS: "maybe",
    });
    expect(found).toHaveLength(4);
    expect(found.find((p) => p.startsWith("PORT:"))).toBeDefined();
    expect(found.find((p) => p.startsWith("DATABASE_URL:"))).toBeDefined();
    expect(found).toContain("ENCRYPTION_KEY: must be 32 bytes, written as 64 hex characters or base64");
    expect(found.find((p) => p.startsWith("ALLOW_PRIVATE_NETWORKS:"))).toBeDefined();
  });

  it("accepts a postgres URL, a base64 key and strips the trailing slash of PUBLIC_URL", () => {
    const env = parseEnv({
      ...valid,
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      DATABASE_URL: "postgresql://u:p@db:5432/bridge",
      PUBLIC_URL: "https://bridge.example.com/",
      ALLOW_PRIVATE_NETWORKS: "true",
    });
    expect(env.PUBLIC_URL).toBe("https://bridge.example.com");
    expect(env.ALLOW_PRIVATE_NETWORKS).toBe(true);
  });

  it("takes a recordings quota per account of 10 GiB unless told a whole number of bytes", () => {
    expect(parseEnv(valid).RECORDINGS_QUOTA_BYTES).toBe(10 * 1024 ** 3);
    expect(parseEnv({ ...valid, RECORDINGS_QUOTA_BYTES: "1048576" }).RECORDINGS_QUOTA_BYTES).toBe(1024 * 1024);
    for (const wrong of ["10GB", "-1", "0", "1.5"])
      expect(problems({ ...valid, RECORDINGS_QUOTA_BYTES: wrong })).toEqual([
        expect.stringMatching(/^RECORDINGS_QUOTA_BYTES: /),
      ]);
  });

  it("puts the message of every problem into the error text", () => {
    expect(() => parseEnv({})).toThrow(/ENCRYPTION_KEY is required[\s\S]*NEXTAUTH_SECRET is required/);
  });
});

describe("decodeKey", () => {
  it("reads hex and base64 but only 32 bytes", () => {
    expect(decodeKey("ab".repeat(32))?.length).toBe(32);
    expect(decodeKey(Buffer.alloc(32).toString("base64"))?.length).toBe(32);
    expect(decodeKey("ab".repeat(16))).toBeNull();
  });
});
