import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import { Fields, isObject, Issues, TEXT } from "../validate";

const TYPES = ["api.info", "api.error"] as const;

/** POST /api/v5/notifications/send: form `notification` (JSON) to users by id or by group code. */
export const sendNotification: KeyHandler = ({ params, state, key }) => {
  const field = jsonField(params, "notification");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.inputParameters, { notification: TEXT.type("object") });
  const issues = new Issues();
  const f = new Fields(field.value, "", issues);
  const type = f.oneOf("type", TYPES, true);
  const message = f.string("message", true);
  const userIds = f.ints("userIds");
  const userGroups = f.strings("userGroups");
  if (!userIds?.length && !userGroups?.length) f.fail("userIds", TEXT.blank);
  for (const id of userIds ?? []) if (!state.users.has(id)) f.fail("userIds", "This value is not valid.");
  if (!issues.empty) return fail(400, MSG.inputParameters, issues.errors);
  state.notifications.push({
    at: Date.now(),
    apiKey: key.key,
    type: type!,
    message: message!,
    ...(userIds ? { userIds } : {}),
    ...(userGroups ? { userGroups } : {}),
  });
  return ok();
};
