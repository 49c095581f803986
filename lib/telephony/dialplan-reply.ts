import { isCallerIdSafe } from "./caller-name";
import { truncateUtf8, utf8Length } from "./utf8";

export type ReplyType = "json" | "text";

export interface DialplanReply {
  body: string;
  contentType: string;
}

/** Dialplan CURL keeps about 4 KB of a response; these replies stay far below. */
const MAX_BODY_BYTES = 1024;
const MAX_ERROR_BYTES = 200;
const CONTENT_TYPE: Record<ReplyType, string> = {
  json: "application/json; charset=utf-8",
  text: "text/plain; charset=utf-8",
};

function reply(body: string, type: ReplyType): DialplanReply {
  if (utf8Length(body) >= MAX_BODY_BYTES)
    throw new Error(`dialplan reply of ${utf8Length(body)} bytes exceeds ${MAX_BODY_BYTES}`);
  return { body, contentType: CONTENT_TYPE[type] };
}

/**
 * The /api/manager answer. json: {"result":{"callerId":…,"phone":<extension>}} for
 * JSONELEMENT(C_RESULT,result/callerId) and JSON_DECODE(C_RESULT,result.callerId);
 * text: "<name>,<extension>" for Set(ARRAY(V_CALLERNAME,V_CODE)=${C_RESULT}).
 * Throws on a name ARRAY() or SIP would misread, or an extension that isn't digits.
 */
export function managerReply(
  answer: { callerId: string; extension: string },
  type: ReplyType,
  chain?: { extensions: string[]; dial: string },
): DialplanReply {
  if (!isCallerIdSafe(answer.callerId)) throw new Error("caller ID name is not safe for the dialplan");
  if (!/^\d*$/.test(answer.extension)) throw new Error("extension must be digits");
  if (chain && !chain.extensions.every((extension) => /^\d+$/.test(extension)))
    throw new Error("extensions must be digits");
  // The chain of managers adds whom to ring together: the extensions, and a Dial() string of them (docs/dialplan-api.md).
  const body =
    type === "json"
      ? JSON.stringify({
          result: { callerId: answer.callerId, phone: answer.extension, ...(chain ? chain : {}) },
        })
      : `${answer.callerId},${answer.extension}`;
  return reply(body, type);
}

/**
 * An error answer for /api/manager, sent with a non-2xx status. The dialplan copies the body
 * into CALLERID(name) and the extension without looking at the status, so the body carries
 * empty values: text "," and json {"result":{"callerId":"","phone":""},"error":…}, where
 * JSONELEMENT still finds empty fields. The message goes in the X-Bridge-Error header
 * (printable ASCII, the rest percent-encoded) and, for json, in "error".
 */
export function dialplanError(message: string, type: ReplyType): DialplanReply & { headers: Record<string, string> } {
  const text = truncateUtf8(
    message
      .replace(/[\p{Cf}\p{Cs}]/gu, "")
      .replace(/\p{Cc}/gu, " ")
      .replace(/\s+/gu, " ")
      .trim(),
    MAX_ERROR_BYTES,
  );
  const body = type === "json" ? JSON.stringify({ result: { callerId: "", phone: "" }, error: text }) : ",";
  const header = text.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char));
  return { ...reply(body, type), headers: { "X-Bridge-Error": header } };
}
