import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import type { UploadedCall } from "../types";
import { Fields, Issues, TEXT } from "../validate";

const TYPES = ["in", "out"] as const;
const RESULTS = ["answered", "busy", "failed", "no answer", "not allowed", "unknown"] as const;

function readCall(f: Fields): UploadedCall {
  const call: UploadedCall = {
    date: f.dateTime("date", true) ?? "",
    type: f.oneOf("type", TYPES, true) ?? "in",
    phone: f.string("phone", true) ?? "",
  };
  const result = f.oneOf("result", RESULTS);
  if (result !== undefined) call.result = result;
  for (const key of ["userId", "duration", "durationWaiting"] as const) {
    const value = f.int(key);
    if (value !== undefined) call[key] = value;
  }
  for (const key of ["code", "externalId", "externalPhone", "site", "clientId"] as const) {
    const value = f.string(key);
    if (value !== undefined) call[key] = value;
  }
  const recordUrl = f.url("recordUrl");
  if (recordUrl !== undefined) call.recordUrl = recordUrl;
  const source = f.object("source");
  if (source !== undefined) call.source = source.obj;
  return call;
}

export const callsUpload: KeyHandler = ({ params, state, key, options }) => {
  const field = jsonField(params, "calls");
  if ("reply" in field) return field.reply;
  if (!Array.isArray(field.value)) return fail(400, MSG.entityFormat, { calls: TEXT.type("array") });
  if (field.value.length === 0)
    return fail(400, MSG.entityFormat, { calls: "This collection should contain 1 element or more." });
  if (field.value.length > options.uploadBatchLimit) {
    return fail(400, MSG.entityFormat, {
      calls: `This collection should contain ${options.uploadBatchLimit} elements or less.`,
    });
  }
  const issues = new Issues();
  const calls = new Fields({ calls: field.value }, "", issues).objects("calls")?.map(readCall) ?? [];
  if (!issues.empty) return fail(400, MSG.entityFormat, issues.errors);

  const mod = state.activeTelephonyModule();
  if (!mod) return fail(400, MSG.uploadDisabled);
  const duplicateCalls: string[] = [];
  let processedCallsCount = 0;
  for (const call of calls) {
    if (call.externalId !== undefined && state.hasCall(call.externalId)) {
      duplicateCalls.push(call.externalId);
      continue;
    }
    state.calls.push({ at: Date.now(), apiKey: key.key, moduleCode: mod.code, call });
    processedCallsCount++;
  }
  return ok({ processedCallsCount, ...(duplicateCalls.length > 0 ? { duplicateCalls } : {}) });
};
