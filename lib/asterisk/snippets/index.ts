import { cdrSync, httpConf, managerConf } from "./ami-config";
import { dialplanLegacy } from "./dialplan-legacy";
import { dialplanModern } from "./dialplan-modern";
import type { Snippet, SnippetContext } from "./types";

export type { Snippet, SnippetContext } from "./types";
export { cdrSync, httpConf, managerConf, dialplanLegacy, dialplanModern };

/** Everything the «API» tab shows, grouped: AMI configuration, dialplan for Asterisk 16–20 and for 21+. */
export function allSnippets(ctx: SnippetContext): { ami: Snippet[]; legacy: Snippet[]; modern: Snippet[] } {
  return {
    ami: [managerConf(ctx), httpConf(ctx), cdrSync(ctx)].filter((snippet): snippet is Snippet => snippet !== null),
    legacy: dialplanLegacy(ctx),
    modern: dialplanModern(ctx),
  };
}
