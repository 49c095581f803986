// The cabinet's sign-in (docs/security.md): sessions, the sign-in with a CRM key, the link from
// the CRM, the throttle on guesses, and the pipelines every cabinet action and live read go through.
export { handleCabinetLink } from "./cabinet-link";
export { sessionGrant } from "./grant";
export { authOptions } from "./options";
export { requireAccount, sessionAccountId, sessionCookie } from "./session";
export { cabinetAction } from "./cabinet-action";
export { cabinetRead } from "./cabinet-read";
