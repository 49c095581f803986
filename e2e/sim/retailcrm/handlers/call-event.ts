import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import type { CallEvent } from "../types";
import { Fields, isObject, Issues, TEXT } from "../validate";

const TYPES = ["in", "out", "hangup"] as const;
// Spelled "no answered" here, unlike calls/upload's "no answer".
const HANGUP_STATUSES = ["answered", "busy", "cancel", "failed", "no answered"] as const;

function readEvent(f: Fields): CallEvent {
  const event: CallEvent = { phone: f.string("phone", true) ?? "", type: f.oneOf("type", TYPES, true) ?? "in" };
  const codes = f.strings("codes");
  if (codes !== undefined) event.codes = codes;
  const userIds = f.ints("userIds");
  if (userIds !== undefined) event.userIds = userIds;
  const hangupStatus = f.oneOf("hangupStatus", HANGUP_STATUSES);
  if (hangupStatus !== undefined) event.hangupStatus = hangupStatus;
  for (const key of ["site", "externalPhone", "callExternalId"] as const) {
    const value = f.string(key);
    if (value !== undefined) event[key] = value;
  }
  const analytics = f.object("webAnalyticsData");
  if (analytics !== undefined) event.webAnalyticsData = analytics.obj;
  return event;
}

export const callEvent: KeyHandler = ({ params, state, key }) => {
  const field = jsonField(params, "event");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.entityFormat, { event: TEXT.type("object") });
  const issues = new Issues();
  const event = readEvent(new Fields(field.value, "", issues));
  if (!issues.empty) return fail(400, MSG.entityFormat, issues.errors);

  const mod = state.activeTelephonyModule();
  if (!mod) return fail(400, MSG.telephonyDisabled);
  state.callEvents.push({ at: Date.now(), apiKey: key.key, moduleCode: mod.code, event });

  const knownCodes = new Set(mod.integrations.telephony?.additionalCodes.map((c) => c.code));
  const notExistCodes = (event.codes ?? []).filter((code) => !knownCodes.has(code));
  const notExistUsers = (event.userIds ?? []).filter((id) => !state.users.has(id));
  return ok({
    ...(notExistCodes.length > 0 ? { notExistCodes } : {}),
    ...(notExistUsers.length > 0 ? { notExistUsers } : {}),
  });
};
