export type AmiErrorKind =
  "unreachable" | "blocked-address" | "timeout" | "auth" | "permission" | "protocol" | "closed" | "refused";

export class AmiError extends Error {
  constructor(
    readonly kind: AmiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "AmiError";
  }
}
