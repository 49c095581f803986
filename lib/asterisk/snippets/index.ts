import { cdrSync, httpConf, managerConf } from "./ami-config";
import { dialplanLegacy } from "./dialplan-legacy";
import { dialplanModern } from "./dialplan-modern";
import { eventShInstall } from "./event-sh-install";
import type { Snippet, SnippetContext } from "./types";
import type { AsteriskVersion, SnippetGroup } from "./versions";

export type { Snippet, SnippetContext } from "./types";
export type { AsteriskVersion, SnippetGroup } from "./versions";
export { cdrSync, httpConf, managerConf, dialplanLegacy, dialplanModern, eventShInstall };

/**
 * What the «API» tab shows for one Asterisk generation and AMI transport (in ctx), grouped as an
 * admin sets the PBX up: AMI, the incoming call, the queue, the outgoing call, event.sh.
 */
export function snippetGroups(ctx: SnippetContext, version: AsteriskVersion): Record<SnippetGroup, Snippet[]> {
  const dialplan = version === "legacy" ? dialplanLegacy(ctx) : dialplanModern(ctx);
  const part = (...suffixes: string[]) =>
    dialplan.filter((snippet) => suffixes.some((suffix) => snippet.id === `${version}-${suffix}`));
  return {
    ami: [managerConf(ctx), httpConf(ctx), cdrSync(ctx)].filter((snippet): snippet is Snippet => snippet !== null),
    incoming: part("lookup-json", "lookup-text", "macros", "subroutines", "manager-call", "incoming-call"),
    queue: part("queue"),
    outgoing: part("outgoing-call"),
    eventSh: [eventShInstall(ctx)],
  };
}
