import { httpConf, managerConf } from "./ami-config";
import { dialplanLegacy } from "./dialplan-legacy";
import { dialplanModern } from "./dialplan-modern";
import type { Snippet, SnippetContext } from "./types";

export type { Snippet, SnippetContext } from "./types";
export { httpConf, managerConf, dialplanLegacy, dialplanModern };

/** Everything the «API» tab shows, grouped: AMI configuration, dialplan for Asterisk 16–20 and for 21+. */
export function allSnippets(ctx: SnippetContext): { ami: Snippet[]; legacy: Snippet[]; modern: Snippet[] } {
  const http = httpConf(ctx);
  return {
    ami: http ? [managerConf(ctx), http] : [managerConf(ctx)],
    legacy: dialplanLegacy(ctx),
    modern: dialplanModern(ctx),
  };
}
