import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { paginate, readPage } from "../pagination";
import type { Params } from "../params";
import { digits, phoneMatches } from "../phone";
import { fail, MSG, ok } from "../reply";
import type { SimCustomer } from "../types";
import { Fields, isObject, Issues, TEXT } from "../validate";

const NOT_VALID = "This value is not valid.";

type CustomerFilter = (customer: SimCustomer) => boolean;

function fullName(c: SimCustomer): string {
  return [c.lastName, c.firstName, c.patronymic].filter(Boolean).join(" ").toLowerCase();
}

function intList(params: Params, name: string, errors: Record<string, string>): number[] {
  const values = params.list(name);
  if (!values.every((v) => /^\d+$/.test(v))) errors[name] = TEXT.type("int[]");
  return values.map(Number);
}

function readFilters(params: Params, errors: Record<string, string>): CustomerFilter[] {
  const filters: CustomerFilter[] = [];
  const name = params.get("filter[name]")?.trim();
  if (name) {
    const words = name.toLowerCase().split(/\s+/);
    filters.push(
      (c) => words.every((w) => fullName(c).includes(w)) || c.phones.some((p) => phoneMatches(p.number, name)),
    );
  }
  const phone = params.get("filter[phone]")?.trim();
  if (phone) filters.push((c) => c.phones.some((p) => phoneMatches(p.number, phone)));
  const email = params.get("filter[email]")?.trim().toLowerCase();
  if (email) filters.push((c) => (c.email ?? "").toLowerCase().includes(email));

  const ids = intList(params, "filter[ids]", errors);
  if (ids.length > 0) filters.push((c) => ids.includes(c.id));
  const managers = intList(params, "filter[managers]", errors);
  if (managers.length > 0) filters.push((c) => c.managerId !== undefined && managers.includes(c.managerId));
  const externalIds = params.list("filter[externalIds]");
  if (externalIds.length > 0) filters.push((c) => c.externalId !== undefined && externalIds.includes(c.externalId));
  const sites = params.list("filter[sites]");
  if (sites.length > 0) filters.push((c) => c.site !== undefined && sites.includes(c.site));
  return filters;
}

export function serializeCustomer(c: SimCustomer): Record<string, unknown> {
  return { type: "customer", ...c, phones: c.phones.map((p) => ({ number: p.number })) };
}

export const listCustomers: KeyHandler = ({ params, state }) => {
  const errors: Record<string, string> = {};
  const page = readPage(params, errors);
  const filters = readFilters(params, errors);
  if (Object.keys(errors).length > 0) return fail(400, MSG.inputParameters, errors);

  const customers = [...state.customers.values()].filter((c) => filters.every((f) => f(c))).sort((a, b) => a.id - b.id);
  const { items, pagination } = paginate(customers, page);
  return ok({ pagination, customers: items.map(serializeCustomer) });
};

/**
 * POST /api/v5/customers/create: form `customer` (JSON) and `site`; 201 with the new id
 * (docs/retailcrm.md, «Новый клиент»). A store the account lacks, a phone without digits or an
 * externalId taken are refused field by field, as the CRM's validator does.
 */
export const createCustomer: KeyHandler = (ctx) => {
  const field = jsonField(ctx.params, "customer");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.inputParameters, { customer: TEXT.type("object") });
  const issues = new Issues();
  const f = new Fields(field.value, "", issues);
  const site = ctx.params.get("site") || f.string("site");
  if (site !== undefined && !ctx.state.sites.has(site)) issues.add("site", TEXT.choice);
  const customer: SimCustomer = { id: 0, phones: [], ...(site ? { site } : {}) };
  for (const name of ["firstName", "lastName", "patronymic", "email", "externalId"] as const) {
    const value = f.string(name);
    if (value !== undefined) customer[name] = value;
  }
  if (customer.externalId && [...ctx.state.customers.values()].some((c) => c.externalId === customer.externalId))
    issues.add("externalId", "Customer with this externalId already exists.");
  (f.objects("phones") ?? []).forEach((phone, i) => {
    const number = phone.string("number", true);
    if (number !== undefined && digits(number) === "") issues.add(`phones[${i}].number`, NOT_VALID);
    else if (number !== undefined) customer.phones.push({ number });
  });
  if (!issues.empty) return fail(400, MSG.entityFormat, issues.errors);
  customer.id = Math.max(0, ...ctx.state.customers.keys()) + 1;
  ctx.state.customers.set(customer.id, customer);
  ctx.state.createdCustomers.push({ ...customer, apiKey: ctx.key.key });
  return ok({ id: customer.id }, 201);
};
