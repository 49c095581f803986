import type { Params } from "./params";
import { TEXT } from "./validate";

const LIMITS = [20, 50, 100];

export interface Page {
  limit: number;
  page: number;
}

/** Reads `limit` (20|50|100, default 20) and `page` (≥1, default 1); problems go into `errors`. */
export function readPage(params: Params, errors: Record<string, string>): Page {
  const limitRaw = params.get("limit");
  const pageRaw = params.get("page");
  const limit = limitRaw === undefined || limitRaw === "" ? 20 : Number(limitRaw);
  const page = pageRaw === undefined || pageRaw === "" ? 1 : Number(pageRaw);
  if (!LIMITS.includes(limit)) errors.limit = TEXT.choice;
  if (!Number.isInteger(page)) errors.page = TEXT.type("int");
  else if (page < 1) errors.page = "This value should be greater than or equal to 1.";
  return { limit, page };
}

export function paginate<T>(
  items: readonly T[],
  { limit, page }: Page,
): { items: T[]; pagination: Record<string, number> } {
  return {
    items: items.slice((page - 1) * limit, page * limit),
    pagination: { limit, totalCount: items.length, currentPage: page, totalPageCount: Math.ceil(items.length / limit) },
  };
}
