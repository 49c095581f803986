import type { Credentials } from "@/lib/retailcrm/schemas";

/** The API methods the seed guide (1.1) tells admins to allow, with the scope that grants each. */
export const REQUIRED_METHODS = [
  { method: "/api/users", scope: "user_read" },
  { method: "/api/customers", scope: "customer_read" },
  { method: "/api/integration-modules/{code}", scope: "integration_read" },
  { method: "/api/integration-modules/{code}/edit", scope: "integration_write" },
  { method: "/api/telephony/call/event", scope: "telephony_write" },
  { method: "/api/telephony/calls/upload", scope: "telephony_write" },
  { method: "/api/telephony/manager", scope: "telephony_read" },
] as const;

export const REQUIRED_SCOPES = [...new Set(REQUIRED_METHODS.map((m) => m.scope))];

/**
 * The methods this key may not call. Keys carry either scopes (current) or a list of allowed
 * method paths (deprecated `credentials`); a key with scopes is judged by its scopes.
 */
export function missingMethods(credentials: Pick<Credentials, "scopes" | "credentials">): string[] {
  if (credentials.scopes.length > 0) {
    const scopes = new Set(credentials.scopes);
    return REQUIRED_METHODS.filter((m) => !scopes.has(m.scope)).map((m) => m.method);
  }
  const allowed = new Set(credentials.credentials);
  return REQUIRED_METHODS.filter((m) => !allowed.has(m.method)).map((m) => m.method);
}

export function missingAccessMessage(methods: string[]): string {
  return (
    `У API ключа нет доступа к методам: ${methods.join(", ")}. ` +
    "Разрешите их в retailCRM (Администрирование → Интеграция → Ключи доступа к API) и попробуйте снова."
  );
}
