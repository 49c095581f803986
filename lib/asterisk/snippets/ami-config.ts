import type { Snippet, SnippetContext } from "./types";

/** A documentation address (TEST-NET-3) shown when the service's own address is not known. */
const PLACEHOLDER_IP = "203.0.113.10";

function permitLine(serviceIp: string | undefined): string {
  if (!serviceIp)
    return `permit = ${PLACEHOLDER_IP}/255.255.255.255 ; ЗАМЕНИТЕ ${PLACEHOLDER_IP} на адрес, с которого подключается сервис`;
  const mask = serviceIp.includes(":") ? "128" : "255.255.255.255";
  return `permit = ${serviceIp}/${mask} ; только адрес сервиса`;
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

function generalSection(transport: SnippetContext["amiTransport"], eventsPort: number | undefined): string[] {
  if (eventsPort !== undefined) {
    return [
      "[general]",
      "enabled = yes",
      `port = ${eventsPort}`,
      `bindaddr = 0.0.0.0 ; события звонков сервис читает по TCP (порт ${eventsPort}): откройте его в файрволе только для адреса сервиса`,
      "timestampevents = yes ; время в каждом событии: длительность ожидания и разговора точнее",
      ...(transport === "HTTP"
        ? [
            "webenabled = yes ; AMI по HTTP: адреса /asterisk/rawman и др. из http.conf",
            "httptimeout = 60 ; время жизни HTTP-сессии AMI, секунды",
          ]
        : []),
    ];
  }
  if (transport === "TCP") {
    return [
      "[general]",
      "enabled = yes",
      "port = 5038",
      "bindaddr = 0.0.0.0 ; сервис подключается к порту 5038 снаружи: откройте его в файрволе только для адреса сервиса",
    ];
  }
  return [
    "[general]",
    "enabled = yes",
    "port = 5038",
    "bindaddr = 127.0.0.1 ; сервис работает через HTTP (порт 8088), TCP-порт 5038 снаружи не нужен",
    "webenabled = yes ; AMI по HTTP: адреса /asterisk/rawman и др. из http.conf",
    "httptimeout = 60 ; время жизни HTTP-сессии AMI, секунды",
  ];
}

export function managerConf(ctx: SnippetContext): Snippet {
  const events = ctx.eventSource === "AMI" || ctx.eventSource === "BOTH";
  const write = ["originate", ...(ctx.queuePause ? ["agent"] : []), ...(events ? ["reporting"] : [])].join(",");
  const read = events ? "call,agent,dialplan" : "call";
  const code = [
    "; /etc/asterisk/manager.conf",
    ...generalSection(ctx.amiTransport, events ? (ctx.amiEventsPort ?? 5038) : undefined),
    "",
    `[${ctx.amiLogin}]`,
    "secret = CHANGE_ME ; задайте сложный пароль и укажите его во вкладке «Настройки Asterisk»",
    "deny = 0.0.0.0/0.0.0.0",
    permitLine(ctx.serviceIp),
    ...(events
      ? [
          "; read = call: каналы, набор номера (Dial), завершение, переводы; agent: события очередей;",
          "; dialplan: переменные MIXMONITOR_FILENAME (файл записи) и CRM_* (звонок из CRM)",
        ]
      : ["; read = call: события вызовов, среди них OriginateResponse — результат звонка из CRM"]),
    `read = ${read}`,
    "; write = originate: звонок из CRM (Originate); Login, Ping и Logoff прав не требуют",
    ...(ctx.queuePause ? ["; agent: пауза оператора в очереди (QueuePause)"] : []),
    ...(events ? ["; reporting: список идущих звонков (CoreShowChannels) после переподключения"] : []),
    "; system и command не нужны: сервис не перезагружает Asterisk, не выполняет команды CLI",
    "; и отправляет звонок в контекст диалплана, а не в приложение",
    `write = ${write}`,
    ...(events ? ["; только нужные сервису события: остальные Asterisk ему не отправляет", ...EVENT_FILTERS] : []),
  ].join("\n");
  return {
    id: "manager-conf",
    title: "manager.conf: пользователь AMI",
    language: "ini",
    description:
      `Пользователь AMI «${ctx.amiLogin}» с минимальными правами: вход только с адреса сервиса, ` +
      "чтение событий вызовов и запуск звонков из CRM. Права all не выдавайте. " +
      "После правки выполните в консоли Asterisk: manager reload.",
    code,
  };
}

export function httpConf(ctx: SnippetContext): Snippet | null {
  if (ctx.amiTransport !== "HTTP") return null;
  const firewallIp = ctx.serviceIp ?? PLACEHOLDER_IP;
  const code = [
    "; /etc/asterisk/http.conf",
    "[general]",
    "enabled = yes",
    `bindaddr = 0.0.0.0 ; откройте порт 8088 в файрволе только для адреса сервиса (${firewallIp})`,
    "bindport = 8088",
    "prefix = asterisk ; AMI будет доступен по адресу /asterisk/rawman",
  ].join("\n");
  return {
    id: "http-conf",
    title: "http.conf: AMI по HTTP",
    language: "ini",
    description:
      "Встроенный HTTP-сервер Asterisk публикует AMI на порту 8088; нужен и webenabled = yes в manager.conf. " +
      "Статические файлы (enablestatic) сервису не нужны. После правки выполните module reload http " +
      "и проверьте командой http show status: в списке должен быть /asterisk/rawman.",
    code,
  };
}

/** In AMI mode: the script cron runs on the PBX (lib/agi/cdr-sync.sh), and the CDR it reads. */
export function cdrSync(ctx: SnippetContext): Snippet | null {
  if (ctx.eventSource !== "AMI" && ctx.eventSource !== "BOTH") return null;
  const code = [
    "# 1. cdr.conf, секция [csv]: uniqueid в каждой строке CDR, затем: module reload cdr_csv.so",
    "#    [csv]",
    "#    loguniqueid = yes",
    "# 2. Скрипт (уже с вашим clientId):",
    `curl -fsS -o /var/lib/asterisk/agi-bin/cdr-sync.sh "${ctx.serviceUrl}/data/cdr-sync.sh?clientId=${ctx.clientId}"`,
    "chmod 755 /var/lib/asterisk/agi-bin/cdr-sync.sh",
    "# 3. Раз в минуту от пользователя asterisk:",
    '(crontab -u asterisk -l 2>/dev/null; echo "* * * * * /var/lib/asterisk/agi-bin/cdr-sync.sh") | crontab -u asterisk -',
  ].join("\n");
  return {
    id: "cdr-sync",
    title: "cdr-sync.sh: записи разговоров и звонки за время без связи",
    language: "bash",
    description:
      "AMI не повторяет события, пропущенные, пока сервис не был подключён: такие звонки скрипт находит в CDR " +
      "(Master.csv) и отправляет в CRM. Он же загружает готовые записи MixMonitor; сервис сам свяжет файл со звонком.",
    code,
  };
}
