/** The Asterisk generations the «API» tab writes for: Macro() up to 20, Gosub() from 21 (docs/dialplan-api.md). */
export const ASTERISK_VERSIONS = ["legacy", "modern"] as const;
export type AsteriskVersion = (typeof ASTERISK_VERSIONS)[number];

/** The parts of the set-up, in the order an admin does them. */
export const SNIPPET_GROUPS = ["ami", "incoming", "queue", "outgoing", "eventSh"] as const;
export type SnippetGroup = (typeof SNIPPET_GROUPS)[number];
