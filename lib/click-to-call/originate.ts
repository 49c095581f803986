import { CLICK_CODE_VARIABLE, dialString, managerChannel } from "@/lib/asterisk/channel";

export interface OriginateSettings {
  channelTemplate: string;
  outgoingContext: string;
  outgoingPriority: string;
  managerCallerIdName: string;
}

/**
 * The AMI Originate for a click in the CRM: ring the manager's extension and, when they
 * answer, send the call to «Контекст и приоритет исходящих звонков» with the customer's number.
 * The CallerID shows the manager whom they are calling, so in that context CALLERID(num) is the
 * customer's number: the manager's extension travels in CRM_CODE for the snippets' FROM_EXT.
 */
export function originateAction(
  settings: OriginateSettings,
  call: { code: string; phone: string; clickId: string; ringSeconds?: number; externalPhone?: string },
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
    Variable: [
      `CRM_CLICK_ID=${call.clickId}`,
      `CRM_PHONE=${exten}`,
      `${CLICK_CODE_VARIABLE}=${call.code}`,
      // The store's number the outgoing context calls out with (docs/crm-features.md).
      ...(call.externalPhone ? [`CRM_EXTERNAL_PHONE=${call.externalPhone}`] : []),
    ],
  };
}
