import type { KeyHandler } from "../context";
import { ok } from "../reply";

/** GET /api/v5/reference/sites: the account's stores, keyed by code. */
export const listSites: KeyHandler = ({ state }) =>
  ok({
    sites: Object.fromEntries(
      [...state.sites].map(([code, name]) => [
        code,
        { code, name, url: `https://${code}.example`, defaultForCrm: false },
      ]),
    ),
  });
