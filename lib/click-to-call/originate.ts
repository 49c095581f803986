import { randomBytes } from "node:crypto";

export interface OriginateSettings {
  channelTemplate: string;
  outgoingContext: string;
  outgoingPriority: string;
  managerCallerIdName: string;
}

/** SIP → SIP/101, PJSIP → PJSIP/101, a template such as Local/{code}@from-internal → Local/101@from-internal. */
export function managerChannel(template: string, code: string): string {
  return template.includes("{code}") ? template.replaceAll("{code}", code) : `${template}/${code}`;
}

/** The customer's number as the dialplan dials it: digits only (a leading + becomes nothing). */
export function dialString(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** A Uniqueid for the manager's leg, chosen by us so the dialplan's out/hangup events tie back to this click. */
export function newClickId(): string {
  return `crm-${Date.now()}-${randomBytes(4).toString("hex")}`;
}

/**
 * The AMI Originate for a click in the CRM: ring the manager's extension and, when they
 * answer, send the call to «Контекст и приоритет исходящих звонков» with the customer's number.
 */
export function originateAction(
  settings: OriginateSettings,
  call: { code: string; phone: string; clickId: string; ringSeconds?: number },
) {
  const exten = dialString(call.phone);
  return {
    Action: "Originate",
    Channel: managerChannel(settings.channelTemplate, call.code),
    Context: settings.outgoingContext,
    Exten: exten,
    Priority: settings.outgoingPriority,
    CallerID: `"${settings.managerCallerIdName}" <${exten}>`,
    Timeout: String((call.ringSeconds ?? 30) * 1000),
    ChannelId: call.clickId,
    Async: "true",
    Variable: [`CRM_CLICK_ID=${call.clickId}`, `CRM_PHONE=${exten}`, `CRM_CODE=${call.code}`],
  };
}
