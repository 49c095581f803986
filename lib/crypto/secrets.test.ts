import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secrets";

const key = "11".repeat(32);
const otherKey = "22".repeat(32);

describe("secrets at rest", () => {
  it("round-trips and never stores the plain text", () => {
    const stored = encryptSecret("crm-api-key-ЮНИКОД", key);
    expect(stored).not.toContain("crm-api-key");
    expect(stored.startsWith("v1.")).toBe(true);
    expect(decryptSecret(stored, key)).toBe("crm-api-key-ЮНИКОД");
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("uses the configured ENCRYPTION_KEY by default", () => {
    expect(decryptSecret(encryptSecret("from env"))).toBe("from env");
    expect(() => decryptSecret(encryptSecret("from env"), otherKey)).toThrow();
  });

  it("rejects a tampered ciphertext", () => {
    const [v, iv, tag, body] = encryptSecret("secret", key).split(".") as [string, string, string, string];
    const flipped = Buffer.from(body, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptSecret([v, iv, tag, flipped.toString("base64url")].join("."), key)).toThrow();
  });

  it("rejects a wrong key and a foreign format", () => {
    expect(() => decryptSecret(encryptSecret("secret", key), otherKey)).toThrow();
    expect(() => decryptSecret("plain-text", key)).toThrow(/format/);
  });
});
