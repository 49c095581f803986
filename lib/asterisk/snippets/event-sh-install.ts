import { snippetText, type Snippet, type SnippetContext } from "./types";

/** The console commands that put the personalised event.sh where the dialplan's AGI() finds it. */
export function eventShInstall(ctx: SnippetContext): Snippet {
  const t = snippetText(ctx);
  const file = "/var/lib/asterisk/agi-bin/event.sh";
  const code = [
    `# ${t("eventSh.comment.download")}`,
    `curl -fsS -o ${file} "${ctx.serviceUrl}/data/event.sh?clientId=${ctx.clientId}"`,
    `# ${t("eventSh.comment.permissions")}`,
    `chown asterisk: ${file} && chmod 750 ${file}`,
  ].join("\n");
  return { id: "event-sh", title: t("eventSh.title"), language: "bash", description: t("eventSh.description"), code };
}
