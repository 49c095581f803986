export interface Reply {
  status: number;
  /** A string is sent as text/html (nginx pages); anything else as JSON. */
  body: unknown;
}

export type ErrorDetails = Record<string, string> | string[];

export const MSG = {
  keyMissing: '"apiKey" is missing.',
  keyWrong: 'Wrong "apiKey" value.',
  accessDenied: "Access denied.",
  accountMissing: "Account does not exist.",
  methodNotFound: "API method not found",
  methodNotAllowed: "Method Not Allowed",
  notFound: "Not found",
  entityFormat: "Errors in the entity format",
  inputParameters: "Errors in the input parameters",
  rateLimit: "Rate limit exceeded",
  telephonyDisabled: "Telephony not enabled",
  uploadDisabled: "Telephony not enabled or not supports calls upload",
} as const;

export function ok(payload: Record<string, unknown> = {}, status = 200): Reply {
  return { status, body: { success: true, ...payload } };
}

export function fail(status: number, errorMsg: string, errors?: ErrorDetails): Reply {
  return { status, body: errors === undefined ? { success: false, errorMsg } : { success: false, errorMsg, errors } };
}

export function missingParameter(name: string): Reply {
  return fail(400, `Parameter '${name}' is missing`);
}

export function nginxPage(status: number, title: string): string {
  return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
