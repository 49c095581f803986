export type RetailCrmErrorKind =
  | "missing-key"
  | "wrong-key"
  | "access-denied"
  | "account-missing"
  | "not-found"
  | "method-not-found"
  | "validation"
  | "rate-limited"
  | "server"
  | "timeout"
  | "network"
  | "blocked-address"
  | "bad-response";

/** A failed retailCRM request: what kind of failure, and what the CRM said (errorMsg, errors). */
export class RetailCrmError extends Error {
  constructor(
    readonly kind: RetailCrmErrorKind,
    message: string,
    readonly status?: number,
    readonly errors?: Record<string, string> | string[],
  ) {
    super(message);
    this.name = "RetailCrmError";
  }

  /** Worth trying again later: the CRM was busy, down or unreachable, not wrong about the request. */
  get retryable(): boolean {
    return ["rate-limited", "server", "timeout", "network"].includes(this.kind);
  }
}

/** Classifies an error reply by the exact errorMsg texts official clients recognise, then by status. */
export function classifyErrorReply(status: number, errorMsg: string | undefined): RetailCrmErrorKind {
  switch (errorMsg) {
    case '"apiKey" is missing.':
      return "missing-key";
    case 'Wrong "apiKey" value.':
      return "wrong-key";
    case "Access denied.":
      return "access-denied";
    case "Account does not exist.":
      return "account-missing";
    case "API method not found":
      return "method-not-found";
    case "Not found":
      return "not-found";
  }
  if (status === 503 || status === 429) return "rate-limited";
  if (status >= 500) return "server";
  if (status === 404) return "not-found";
  if (status === 401 || status === 403) return "access-denied";
  return "validation";
}
