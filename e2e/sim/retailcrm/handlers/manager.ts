import type { KeyHandler } from "../context";
import type { Params } from "../params";
import { samePhone } from "../phone";
import { fail, MSG, missingParameter, ok } from "../reply";
import type { SimCustomer } from "../types";
import { TEXT } from "../validate";
import { serializeCustomer } from "./customers";

function flag(params: Params, name: string, errors: Record<string, string>): boolean {
  const raw = params.get(name);
  if (raw === undefined || raw === "" || raw === "0") return false;
  if (raw === "1") return true;
  errors[name] = TEXT.choice;
  return false;
}

function links(baseUrl: string, phone: string, customer: SimCustomer | undefined): Record<string, string> {
  const query = `phone=${encodeURIComponent(phone)}`;
  const result: Record<string, string> = {
    newOrderLink: `${baseUrl}/orders/add?${query}`,
    newCustomerLink: `${baseUrl}/customers/add?${query}`,
  };
  if (customer) {
    result.lastOrderLink = `${baseUrl}/orders?filter%5Bcustomer%5D=${customer.id}`;
    result.customerLink = `${baseUrl}/customers/${customer.id}`;
  }
  return result;
}

export const responsibleManager: KeyHandler = ({ params, state, options, baseUrl }) => {
  const phone = params.get("phone");
  if (phone === undefined || phone === "") return missingParameter("phone");
  const errors: Record<string, string> = {};
  const details = flag(params, "details", errors);
  const ignoreStatus = flag(params, "ignoreStatus", errors);
  if (Object.keys(errors).length > 0) return fail(400, MSG.inputParameters, errors);
  const mod = state.activeTelephonyModule();
  if (!mod) return fail(400, MSG.telephonyDisabled);

  // With a store given, only that store's customers (a key with several stores, docs: UNCONFIRMED).
  const site = params.get("site") || undefined;
  const customer = [...state.customers.values()]
    .sort((a, b) => a.id - b.id)
    .find((c) => (site === undefined || c.site === site) && c.phones.some((p) => samePhone(p.number, phone)));
  const user = customer?.managerId === undefined ? undefined : state.users.get(customer.managerId);
  const available = user !== undefined && user.active && (ignoreStatus || (user.status === "free" && user.online));
  if (!available && options.managerNotFound === "404") return fail(404, MSG.notFound);

  const payload: Record<string, unknown> = {};
  if (available) {
    const code = state.codeOfUser(mod, user.id);
    payload.manager = {
      id: user.id,
      firstName: user.firstName,
      lastName: user.lastName,
      patronymic: user.patronymic,
      email: user.email,
      ...(code === undefined ? {} : { code }),
    };
  }
  if (details) {
    if (customer) payload.customer = serializeCustomer(customer);
    payload.links = links(baseUrl, phone, customer);
  }
  return ok(payload);
};
