import type { KeyHandler } from "../context";
import { paginate, readPage } from "../pagination";
import type { Params } from "../params";
import { fail, MSG, missingParameter, ok } from "../reply";
import { isUserStatus, type SimUser } from "../types";
import { isDateTime, TEXT } from "../validate";

type UserFilter = (user: SimUser) => boolean;

const FLAGS = ["online", "active", "isManager", "isAdmin"] as const;

function readFilters(params: Params, errors: Record<string, string>): UserFilter[] {
  const filters: UserFilter[] = [];
  const email = params.get("filter[email]");
  if (email) filters.push((u) => u.email.toLowerCase().includes(email.toLowerCase()));

  const status = params.get("filter[status]");
  if (status) {
    if (isUserStatus(status)) filters.push((u) => u.online && u.status === status);
    else errors["filter[status]"] = TEXT.choice;
  }

  for (const flag of FLAGS) {
    const raw = params.get(`filter[${flag}]`);
    if (raw === undefined || raw === "") continue;
    if (raw === "0" || raw === "1") filters.push((u) => u[flag] === (raw === "1"));
    else errors[`filter[${flag}]`] = TEXT.choice;
  }

  const groups = params.list("filter[groups]");
  if (groups.length > 0) filters.push((u) => (u.groups ?? []).some((g) => groups.includes(g.code)));

  for (const [bound, keep] of [
    ["createdAtFrom", (a: string, b: string) => a >= b],
    ["createdAtTo", (a: string, b: string) => a <= b],
  ] as const) {
    const raw = params.get(`filter[${bound}]`);
    if (raw === undefined || raw === "") continue;
    if (isDateTime(raw)) filters.push((u) => u.createdAt !== undefined && keep(u.createdAt, raw));
    else errors[`filter[${bound}]`] = TEXT.dateTime;
  }
  return filters;
}

export function serializeUser(user: SimUser): Record<string, unknown> {
  return { ...user, groups: user.groups ?? [] };
}

export const listUsers: KeyHandler = ({ params, state }) => {
  const errors: Record<string, string> = {};
  const page = readPage(params, errors);
  const filters = readFilters(params, errors);
  if (Object.keys(errors).length > 0) return fail(400, MSG.inputParameters, errors);

  const users = [...state.users.values()].filter((u) => filters.every((f) => f(u))).sort((a, b) => a.id - b.id);
  const { items, pagination } = paginate(users, page);
  return ok({ pagination, users: items.map(serializeUser) });
};

export const getUser: KeyHandler = ({ pathArgs, state }) => {
  const user = state.users.get(Number(pathArgs[0]));
  return user ? ok({ user: serializeUser(user) }) : fail(404, MSG.notFound);
};

export const setUserStatus: KeyHandler = ({ pathArgs, params, state, key }) => {
  const user = state.users.get(Number(pathArgs[0]));
  if (!user) return fail(404, MSG.notFound);
  const status = params.get("status");
  if (status === undefined || status === "") return missingParameter("status");
  if (!isUserStatus(status)) return fail(400, MSG.inputParameters, { status: TEXT.choice });
  user.status = status;
  state.userStatusChanges.push({ at: Date.now(), userId: user.id, status: user.status, via: "api", apiKey: key.key });
  return ok();
};
