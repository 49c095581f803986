import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { AmiError } from "./errors";
import { AmiHttpTransport } from "./http";
import { header } from "./message";
import { AmiTcpTransport } from "./tcp";
import type { AmiEndpoint, AmiTransport } from "./transport";

export type AmiTransportKind = "HTTP" | "TCP";

export function openAmi(kind: AmiTransportKind, endpoint: AmiEndpoint): Promise<AmiTransport> {
  return kind === "TCP" ? AmiTcpTransport.open(endpoint) : AmiHttpTransport.open(endpoint);
}

/** Proves the AMI access works: log in, Ping, log off. Throws AmiError saying what failed. */
export async function checkAmiAccess(kind: AmiTransportKind, endpoint: AmiEndpoint): Promise<void> {
  const ami = await openAmi(kind, endpoint);
  try {
    const pong = await ami.send({ Action: "Ping" });
    if (header(pong, "Response") !== "Success")
      throw new AmiError("permission", header(pong, "Message") ?? "Ping failed");
  } finally {
    await ami.close();
  }
}

/** A write class AMI mode may lack: reporting (CoreShowChannels), call (Setvar, Redirect). */
export type EventRight = "reporting" | "call";

/** No channel is named so: a Setvar on it answers whether the user may send one, and changes nothing. */
const NO_CHANNEL = "crm-rights-check";

/**
 * The write classes AMI mode needs that the user lacks (docs/ami-events.md, «Права пользователя
 * AMI»): CoreShowChannels, which takes up the calls in progress, answers Permission denied without
 * write = reporting; naming and routing callers (`call`: docs/ami-routing.md) need write = call,
 * which a Setvar on no channel shows (Asterisk checks the right before it looks for the channel).
 * Read classes cannot be asked for: Asterisk only shows them by the events it sends.
 */
export async function missingEventRights(
  endpoint: AmiEndpoint,
  wanted: { call: boolean } = { call: false },
): Promise<EventRight[]> {
  const ami = await AmiTcpTransport.open(endpoint);
  const missing: EventRight[] = [];
  try {
    try {
      await ami.list({ Action: "CoreShowChannels" });
    } catch (error) {
      if (!(error instanceof AmiError && error.kind === "permission")) throw error;
      missing.push("reporting");
    }
    if (wanted.call) {
      const reply = await ami.send({ Action: "Setvar", Channel: NO_CHANNEL, Variable: "CRM_RIGHTS_CHECK", Value: "1" });
      if (header(reply, "Message") === "Permission denied") missing.push("call");
    }
    return missing;
  } finally {
    await ami.close();
  }
}

/**
 * The guide's message, with what exactly went wrong in brackets. Russian unless a locale is given: the
 * event listener stores it for the CRM's notifications, the cabinet's check passes the admin's locale.
 */
export function amiErrorMessage(error: unknown, locale: Locale = DEFAULT_LOCALE): string {
  const t = translatorFor(locale, "asterisk.ami");
  if (!(error instanceof AmiError)) return t("noAccess");
  return t("noAccessBecause", { reason: t(`reasons.${error.kind}`) });
}
