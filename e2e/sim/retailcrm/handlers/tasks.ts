import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import type { SimTask } from "../types";
import { Fields, isObject, Issues, TEXT, type JsonObject } from "../validate";

// Tasks take "Y-m-d H:i", unlike telephony's "Y-m-d H:i:s".
const TASK_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;
const NOT_VALID = "This value is not valid.";

function isTaskDateTime(value: string): boolean {
  const match = TASK_DATETIME.exec(value);
  if (!match) return false;
  const [y, mo, d, h, mi] = match.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60;
}

function now(): string {
  return new Date().toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The fields of a task object as the CRM checks them; `creating` makes text and performerId
 * required. Unknown performers, customers and stores are refused like the CRM's own validator.
 */
function readTask(value: JsonObject, ctx: Parameters<KeyHandler>[0], creating: boolean, issues: Issues) {
  const f = new Fields(value, "", issues);
  const task: Partial<SimTask> = {};
  const text = f.string("text", creating);
  if (text !== undefined) task.text = text;
  const commentary = f.string("commentary");
  if (commentary !== undefined) task.commentary = commentary;
  const performerId = f.int("performerId", creating);
  if (performerId !== undefined) {
    if (ctx.state.users.get(performerId)?.active) task.performerId = performerId;
    else f.fail("performerId", NOT_VALID);
  }
  const datetime = f.string("datetime");
  if (datetime !== undefined) {
    if (isTaskDateTime(datetime)) task.datetime = datetime;
    else f.fail("datetime", TEXT.dateTime);
  }
  const complete = f.bool("complete");
  if (complete !== undefined) task.complete = complete;
  const phone = f.string("phone");
  if (phone !== undefined) task.phone = phone;
  const phoneSite = f.string("phoneSite");
  if (phoneSite !== undefined) {
    if (ctx.state.sites.has(phoneSite)) task.phoneSite = phoneSite;
    else f.fail("phoneSite", NOT_VALID);
  }
  const customer = f.object("customer");
  if (customer !== undefined) {
    const id = customer.int("id", true);
    if (id !== undefined) {
      if (ctx.state.customers.has(id)) task.customer = { id };
      else customer.fail("id", NOT_VALID);
    }
  }
  return task;
}

/** POST /api/v5/tasks/create: form `task` (JSON), 201 with the new id. */
export const createTask: KeyHandler = (ctx) => {
  const field = jsonField(ctx.params, "task");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.inputParameters, { task: TEXT.type("object") });
  const issues = new Issues();
  const task = readTask(field.value, ctx, true, issues);
  if (!issues.empty) return fail(400, MSG.inputParameters, issues.errors);
  const id = ctx.state.nextTaskId();
  ctx.state.tasks.set(id, {
    id,
    text: task.text!,
    performerId: task.performerId!,
    complete: task.complete ?? false,
    createdAt: now(),
    apiKey: ctx.key.key,
    edits: [],
    ...task,
  });
  return ok({ id }, 201);
};

/** POST /api/v5/tasks/{id}/edit: the fields given change, the rest stay. */
export const editTask: KeyHandler = (ctx) => {
  const stored = ctx.state.tasks.get(Number(ctx.pathArgs[0]));
  if (!stored) return fail(404, "Task not found");
  const field = jsonField(ctx.params, "task");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.inputParameters, { task: TEXT.type("object") });
  const issues = new Issues();
  const task = readTask(field.value, ctx, false, issues);
  if (!issues.empty) return fail(400, MSG.inputParameters, issues.errors);
  Object.assign(stored, task);
  stored.edits.push(field.value);
  return ok();
};

/** GET /api/v5/tasks/{id}. */
export const getTask: KeyHandler = ({ state, pathArgs }) => {
  const stored = state.tasks.get(Number(pathArgs[0]));
  if (!stored) return fail(404, "Task not found");
  const { apiKey: _apiKey, edits: _edits, ...task } = stored;
  return ok({ task });
};
