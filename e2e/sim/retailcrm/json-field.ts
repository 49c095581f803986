import type { Params } from "./params";
import { fail, MSG, missingParameter, type Reply } from "./reply";
import { parseJson } from "./validate";

/** Decodes a form field that carries a JSON string (`event`, `calls`, `integrationModule`, `requires`). */
export function jsonField(params: Params, name: string): { value: unknown } | { reply: Reply } {
  const raw = params.get(name);
  if (raw === undefined || raw === "") return { reply: missingParameter(name) };
  const parsed = parseJson(raw);
  if (!parsed.ok) return { reply: fail(400, MSG.entityFormat, { [name]: "This value is not valid JSON." }) };
  return { value: parsed.value };
}
