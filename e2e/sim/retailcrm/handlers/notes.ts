import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import { Fields, isObject, Issues, TEXT } from "../validate";

const NOT_FOUND = "Customer not found";

/**
 * POST /api/v5/customers/notes/create: form `note` (JSON) with `text` and `customer` as `{id}`
 * or `{externalId}` (optionally `managerId`), and `site` when the customer is named by
 * externalId; 201 with the new note's id (docs/retailcrm.md, «Заметки клиента»).
 */
export const createNote: KeyHandler = (ctx) => {
  const field = jsonField(ctx.params, "note");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.inputParameters, { note: TEXT.type("object") });
  const issues = new Issues();
  const f = new Fields(field.value, "", issues);
  const text = f.string("text", true);
  const managerId = f.int("managerId");
  if (managerId !== undefined && !ctx.state.users.get(managerId)) f.fail("managerId", "This value is not valid.");
  const customer = f.object("customer");
  let customerId: number | undefined;
  if (customer === undefined) f.fail("customer", "Customer identifier must be set");
  else {
    const id = customer.int("id");
    const externalId = customer.string("externalId");
    if (id === undefined && externalId === undefined) customer.fail("id", "Customer identifier must be set");
    else {
      const site = ctx.params.get("site");
      customerId = [...ctx.state.customers.values()].find((c) =>
        id !== undefined ? c.id === id : c.externalId === externalId && (site === undefined || c.site === site),
      )?.id;
    }
  }
  if (!issues.empty) return fail(400, MSG.inputParameters, issues.errors);
  if (customerId === undefined) return fail(404, NOT_FOUND);
  const id = ctx.state.nextNoteId();
  ctx.state.notes.set(id, {
    id,
    text: text!,
    customer: { id: customerId },
    ...(managerId !== undefined ? { managerId } : {}),
    createdAt: new Date().toISOString().slice(0, 19).replace("T", " "),
    apiKey: ctx.key.key,
  });
  return ok({ id }, 201);
};
