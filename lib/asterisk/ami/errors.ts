export type AmiErrorKind =
  | "unreachable"
  | "blocked-address"
  | "timeout"
  | "auth"
  | "permission"
  | "protocol"
  | "closed"
  | "refused"
  /** The peer sent a line, message or list beyond what the service holds (docs/security.md). */
  | "too-large";

export class AmiError extends Error {
  constructor(
    readonly kind: AmiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "AmiError";
  }
}
