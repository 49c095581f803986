import { snippetText, type Snippet, type SnippetContext, type SnippetText } from "./types";

/** A documentation address (TEST-NET-3) shown when the service's own address is not known. */
const PLACEHOLDER_IP = "203.0.113.10";

function permitLine(t: SnippetText, serviceIp: string | undefined): string {
  if (!serviceIp)
    return `permit = ${PLACEHOLDER_IP}/255.255.255.255 ; ${t("managerConf.comment.replaceIp", { ip: PLACEHOLDER_IP })}`;
  const mask = serviceIp.includes(":") ? "128" : "255.255.255.255";
  return `permit = ${serviceIp}/${mask} ; ${t("managerConf.comment.serviceOnly")}`;
}

/**
 * The events call tracking reads (docs/ami-events.md), as legacy filters, which every Asterisk
 * from 16 on applies: a regular expression over the whole event, `[[:space:]]` ending the name so
 * that Hangup does not let HangupRequest through.
 */
export const EVENT_FILTERS = [
  "eventfilter = ^Event: (Newchannel|DialBegin|DialEnd|Hangup|AgentCalled|AgentConnect|AgentComplete|BlindTransfer|AttendedTransfer)[[:space:]]",
  "eventfilter = ^Event: VarSet[[:space:]].*Variable: (MIXMONITOR_FILENAME|CRM_CODE|CRM_PHONE)[[:space:]]",
];

function generalSection(
  t: SnippetText,
  transport: SnippetContext["amiTransport"],
  eventsPort: number | undefined,
): string[] {
  const web = [
    `webenabled = yes ; ${t("managerConf.comment.webEnabled")}`,
    `httptimeout = 60 ; ${t("managerConf.comment.httpTimeout")}`,
  ];
  if (eventsPort !== undefined) {
    return [
      "[general]",
      "enabled = yes",
      `port = ${eventsPort}`,
      `bindaddr = 0.0.0.0 ; ${t("managerConf.comment.eventsPort", { port: eventsPort })}`,
      `timestampevents = yes ; ${t("managerConf.comment.timestamps")}`,
      ...(transport === "HTTP" ? web : []),
    ];
  }
  if (transport === "TCP") {
    return ["[general]", "enabled = yes", "port = 5038", `bindaddr = 0.0.0.0 ; ${t("managerConf.comment.tcpPort")}`];
  }
  return [
    "[general]",
    "enabled = yes",
    "port = 5038",
    `bindaddr = 127.0.0.1 ; ${t("managerConf.comment.httpOnly")}`,
    ...web,
  ];
}

export function managerConf(ctx: SnippetContext): Snippet {
  const t = snippetText(ctx);
  const events = ctx.eventSource === "AMI" || ctx.eventSource === "BOTH";
  const routing = events && ctx.amiRouting === true;
  const write = [
    "originate",
    ...(ctx.queuePause ? ["agent"] : []),
    ...(events ? ["reporting"] : []),
    ...(routing ? ["call"] : []),
  ].join(",");
  const read = events ? "call,agent,dialplan" : "call";
  const code = [
    "; /etc/asterisk/manager.conf",
    ...generalSection(t, ctx.amiTransport, events ? (ctx.amiEventsPort ?? 5038) : undefined),
    "",
    `[${ctx.amiLogin}]`,
    `secret = CHANGE_ME ; ${t("managerConf.comment.secret")}`,
    "deny = 0.0.0.0/0.0.0.0",
    permitLine(t, ctx.serviceIp),
    ...(events
      ? [`; ${t("managerConf.comment.readEvents")}`, `; ${t("managerConf.comment.readDialplan")}`]
      : [`; ${t("managerConf.comment.readCall")}`]),
    `read = ${read}`,
    `; ${t("managerConf.comment.writeOriginate")}`,
    ...(ctx.queuePause ? [`; ${t("managerConf.comment.writeAgent")}`] : []),
    ...(events ? [`; ${t("managerConf.comment.writeReporting")}`] : []),
    ...(routing ? [`; ${t("managerConf.comment.writeCall")}`] : []),
    `; ${t("managerConf.comment.notSystem")}`,
    `; ${t("managerConf.comment.notSystemContext")}`,
    `write = ${write}`,
    ...(events ? [`; ${t("managerConf.comment.eventFilters")}`, ...EVENT_FILTERS] : []),
  ].join("\n");
  return {
    id: "manager-conf",
    title: t("managerConf.title"),
    language: "ini",
    description: t("managerConf.description", { login: ctx.amiLogin }),
    code,
  };
}

export function httpConf(ctx: SnippetContext): Snippet | null {
  if (ctx.amiTransport !== "HTTP") return null;
  const t = snippetText(ctx);
  const firewallIp = ctx.serviceIp ?? PLACEHOLDER_IP;
  const code = [
    "; /etc/asterisk/http.conf",
    "[general]",
    "enabled = yes",
    `bindaddr = 0.0.0.0 ; ${t("httpConf.comment.firewall", { ip: firewallIp })}`,
    "bindport = 8088",
    `prefix = asterisk ; ${t("httpConf.comment.prefix")}`,
  ].join("\n");
  return {
    id: "http-conf",
    title: t("httpConf.title"),
    language: "ini",
    description: t("httpConf.description"),
    code,
  };
}

/** In AMI mode: the script cron runs on the PBX (lib/pbx-scripts/cdr-sync.sh), and the CDR it reads. */
export function cdrSync(ctx: SnippetContext): Snippet | null {
  if (ctx.eventSource !== "AMI" && ctx.eventSource !== "BOTH") return null;
  const t = snippetText(ctx);
  const code = [
    `# 1. ${t("cdrSync.comment.cdrConf")}`,
    "#    [csv]",
    "#    loguniqueid = yes",
    "#    newcdrcolumns = yes",
    `# 2. ${t("cdrSync.comment.script")}`,
    `curl -fsS -o /var/lib/asterisk/agi-bin/cdr-sync.sh "${ctx.serviceUrl}/data/cdr-sync.sh?clientId=${ctx.clientId}"`,
    "chmod 755 /var/lib/asterisk/agi-bin/cdr-sync.sh",
    `# 3. ${t("cdrSync.comment.cron")}`,
    '(crontab -u asterisk -l 2>/dev/null; echo "* * * * * /var/lib/asterisk/agi-bin/cdr-sync.sh") | crontab -u asterisk -',
  ].join("\n");
  return {
    id: "cdr-sync",
    title: t("cdrSync.title"),
    language: "bash",
    description: t("cdrSync.description"),
    code,
  };
}
