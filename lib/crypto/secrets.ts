import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { decodeKey, env } from "@/lib/env";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFrom(encoded: string): Buffer {
  const key = decodeKey(encoded);
  if (!key) throw new Error("ENCRYPTION_KEY must be 32 bytes");
  return key;
}

/** Encrypts a secret for storage: AES-256-GCM, random IV, output "v1.<iv>.<tag>.<ciphertext>" in base64url. */
export function encryptSecret(plain: string, encodedKey = env().ENCRYPTION_KEY): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(encodedKey), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** Decrypts what encryptSecret produced; throws when the value was tampered with or the key differs. */
export function decryptSecret(stored: string, encodedKey = env().ENCRYPTION_KEY): string {
  const [version, iv, tag, body] = stored.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Unrecognised secret format");
  const ivBytes = Buffer.from(iv, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error("Unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(encodedKey), ivBytes);
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
