/** HTTP Digest for arawman/amanager/amxml: ast_parse_digest() and the response check of auth_http_callback(). */
import { createHash, randomInt } from "node:crypto";

const REALM = "asterisk";

export interface DigestCredentials {
  username: string;
  nonce: number;
  uri: string;
  response: string;
  qop: boolean;
  nc: string;
  cnonce: string;
}

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

export const hex8 = (value: number): string => value.toString(16).padStart(8, "0");

/** ast_random() is 31 bits wide. */
export const randomNonce = (): number => randomInt(1, 2 ** 31 - 1);

/** sscanf("%30lx"). */
export function scanHex(text: string): number | undefined {
  const match = /^\s*(?:0x)?([0-9a-f]+)/i.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1].slice(0, 13), 16);
}

/** Parses an `Authorization: Digest …` header; undefined when it is unusable. */
export function parseDigest(header: string): DigestCredentials | undefined {
  const body = /^\s*digest\s(.*)$/is.exec(header)?.[1];
  if (body === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const match of body.matchAll(/([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))/gi)) {
    const name = (match[1] ?? "").toLowerCase();
    if (!fields.has(name)) fields.set(name, match[2]?.replace(/\\(.)/g, "$1") ?? match[3] ?? "");
  }
  const get = (name: string): string => fields.get(name) ?? "";
  const algorithm = fields.get("algorithm");
  if (algorithm !== undefined && algorithm.toLowerCase() !== "md5") return undefined;
  const nonce = scanHex(get("nonce"));
  const qop = get("qop").toLowerCase() === "auth";
  if (get("realm") === "" || nonce === undefined || (qop && (get("cnonce") === "" || scanHex(get("nc")) === undefined)))
    return undefined;
  return {
    username: get("username"),
    nonce,
    uri: get("uri"),
    response: get("response"),
    qop,
    nc: get("nc"),
    cnonce: get("cnonce"),
  };
}

/** RFC 2617 (qop=auth) or RFC 2069 response; HA1 uses the configured user name and the `asterisk` realm. */
export function digestMatches(
  credentials: DigestCredentials,
  method: string,
  username: string,
  secret: string,
): boolean {
  const ha1 = md5(`${username}:${REALM}:${secret}`);
  const ha2 = md5(`${method}:${credentials.uri}`);
  const nonce = hex8(credentials.nonce);
  const expected = credentials.qop
    ? md5(`${ha1}:${nonce}:${credentials.nc}:${credentials.cnonce}:auth:${ha2}`)
    : md5(`${ha1}:${nonce}:${ha2}`);
  return credentials.response.toLowerCase().startsWith(expected);
}

export function challengeHeader(nonce: number, stale: boolean): string {
  const n = hex8(nonce);
  return `Digest algorithm=MD5, realm="${REALM}", nonce="${n}", qop="auth", opaque="${n}"${stale ? ", stale=true" : ""}`;
}
