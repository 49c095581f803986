import type { KeyHandler, PublicHandler } from "./context";
import { callEvent } from "./handlers/call-event";
import { callsUpload } from "./handlers/calls-upload";
import { createCustomer, listCustomers } from "./handlers/customers";
import { editModule, getModule, updateScopes } from "./handlers/integration-modules";
import { responsibleManager } from "./handlers/manager";
import { sendNotification } from "./handlers/notifications";
import { getSettings } from "./handlers/settings";
import { listSites } from "./handlers/sites";
import { createTask, editTask, getTask } from "./handlers/tasks";
import { createNote } from "./handlers/notes";
import { apiVersions, credentials, systemInfo } from "./handlers/service";
import { getUser, listUsers, setUserStatus } from "./handlers/users";

type Route = { method: "GET" | "POST"; pattern: RegExp } & (
  | { auth: "public"; handle: PublicHandler }
  /** `scope` undefined: any valid key. The scope per method is UNCONFIRMED (spec §2); this table is the one place to change it. */
  | { auth: "key"; scope?: string; handle: KeyHandler }
);

const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/api\/system-info$/, auth: "public", handle: systemInfo },
  { method: "GET", pattern: /^\/api\/credentials$/, auth: "key", handle: credentials },
  { method: "GET", pattern: /^\/api\/api-versions$/, auth: "key", handle: apiVersions },
  { method: "GET", pattern: /^\/api\/v5\/users$/, auth: "key", scope: "user_read", handle: listUsers },
  { method: "GET", pattern: /^\/api\/v5\/users\/(\d+)$/, auth: "key", scope: "user_read", handle: getUser },
  {
    method: "POST",
    pattern: /^\/api\/v5\/users\/(\d+)\/status$/,
    auth: "key",
    scope: "user_write",
    handle: setUserStatus,
  },
  { method: "GET", pattern: /^\/api\/v5\/customers$/, auth: "key", scope: "customer_read", handle: listCustomers },
  {
    method: "POST",
    pattern: /^\/api\/v5\/customers\/create$/,
    auth: "key",
    scope: "customer_write",
    handle: createCustomer,
  },
  { method: "GET", pattern: /^\/api\/v5\/settings$/, auth: "key", handle: getSettings },
  { method: "GET", pattern: /^\/api\/v5\/reference\/sites$/, auth: "key", scope: "reference_read", handle: listSites },
  {
    method: "POST",
    pattern: /^\/api\/v5\/customers\/notes\/create$/,
    auth: "key",
    scope: "customer_write",
    handle: createNote,
  },
  { method: "POST", pattern: /^\/api\/v5\/tasks\/create$/, auth: "key", scope: "task_write", handle: createTask },
  { method: "POST", pattern: /^\/api\/v5\/tasks\/(\d+)\/edit$/, auth: "key", scope: "task_write", handle: editTask },
  { method: "GET", pattern: /^\/api\/v5\/tasks\/(\d+)$/, auth: "key", scope: "task_read", handle: getTask },
  {
    method: "POST",
    pattern: /^\/api\/v5\/notifications\/send$/,
    auth: "key",
    scope: "notification_write",
    handle: sendNotification,
  },
  {
    method: "GET",
    pattern: /^\/api\/v5\/integration-modules\/([^/]+)$/,
    auth: "key",
    scope: "integration_read",
    handle: getModule,
  },
  {
    method: "POST",
    pattern: /^\/api\/v5\/integration-modules\/([^/]+)\/edit$/,
    auth: "key",
    scope: "integration_write",
    handle: editModule,
  },
  {
    method: "POST",
    pattern: /^\/api\/v5\/integration-modules\/([^/]+)\/update-scopes$/,
    auth: "key",
    scope: "integration_write",
    handle: updateScopes,
  },
  {
    method: "POST",
    pattern: /^\/api\/v5\/telephony\/call\/event$/,
    auth: "key",
    scope: "telephony_write",
    handle: callEvent,
  },
  {
    method: "POST",
    pattern: /^\/api\/v5\/telephony\/calls\/upload$/,
    auth: "key",
    scope: "telephony_write",
    handle: callsUpload,
  },
  {
    method: "GET",
    pattern: /^\/api\/v5\/telephony\/manager$/,
    auth: "key",
    scope: "telephony_read",
    handle: responsibleManager,
  },
];

export type RouteMatch = { route: Route; args: string[] } | "unknown" | "wrong-method";

export function matchRoute(method: string, path: string): RouteMatch {
  let pathKnown = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { route, args: match.slice(1).map(decodePathSegment) };
    pathKnown = true;
  }
  return pathKnown ? "wrong-method" : "unknown";
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
