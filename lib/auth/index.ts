// The cabinet's sign-in (docs/security.md): sessions, the sign-in with a CRM key, the link from
// the CRM, and the throttle on guesses.
export { handleCabinetLink } from "./cabinet-link";
export { sessionGrant } from "./grant";
export { authOptions } from "./options";
export { requireAccount, sessionAccountId, sessionCookie } from "./session";
export { cabinetAction } from "./cabinet-action";
