import type { AmiUser, AsteriskSim } from "../sim/asterisk";
import type { AsteriskSettingsInput } from "../../lib/validations/asterisk-settings";

/** «Настройки Asterisk» as an admin would fill them in for a simulated PBX. */
export function amiForm(
  pbx: AsteriskSim,
  user: AmiUser,
  transport: "HTTP" | "TCP",
  over: Partial<AsteriskSettingsInput> = {},
): AsteriskSettingsInput {
  return {
    callerIdPrefix: "",
    outgoing: "from-internal,1",
    managerCallerIdName: "CRM",
    amiHost: "127.0.0.1",
    amiPort: String(transport === "TCP" ? pbx.tcpPort : pbx.httpPort),
    amiLogin: user.username,
    amiSecret: user.secret,
    amiTransport: transport,
    channelTemplate: "PJSIP",
    pbxTimeZone: "Europe/Moscow",
    lookupBudgetMs: "500",
    transliterateNames: false,
    countries: "RU",
    sendOutEvent: false,
    pauseQueueWhenAway: false,
    eventSource: "DIALPLAN",
    inboundContexts: "from-trunk",
    outboundContexts: "from-internal",
    amiEventsPort: "5038",
    amiCallerName: false,
    amiRouting: false,
    routingContext: "from-internal",
    routingAnswerSeconds: "20",
    routingFallback: "",
    ...over,
  };
}
