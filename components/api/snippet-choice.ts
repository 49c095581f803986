import { AMI_TRANSPORTS } from "@/lib/validations/asterisk-settings";
import { ASTERISK_VERSIONS, type AsteriskVersion } from "@/lib/asterisk/snippets/versions";

/** The «API» tab's choice of Asterisk version and AMI transport, kept in this browser for a year. */
export const SNIPPET_CHOICE_COOKIE = "api-snippets";
export const SNIPPET_CHOICE_MAX_AGE = 365 * 24 * 3600;
export type Transport = (typeof AMI_TRANSPORTS)[number];

export interface SnippetChoice {
  version: AsteriskVersion;
  transport: Transport;
}

/** "modern.TCP" → the choice; null when the admin has not chosen yet (or the cookie is not ours). */
export function parseSnippetChoice(value: string | undefined): SnippetChoice | null {
  const [version, transport] = (value ?? "").split(".");
  const knownVersion = ASTERISK_VERSIONS.find((known) => known === version);
  const knownTransport = AMI_TRANSPORTS.find((known) => known === transport);
  return knownVersion && knownTransport ? { version: knownVersion, transport: knownTransport } : null;
}

export function formatSnippetChoice(choice: SnippetChoice): string {
  return `${choice.version}.${choice.transport}`;
}
