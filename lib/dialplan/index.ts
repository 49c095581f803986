// The dialplan's API and the caller lookup behind it (docs/dialplan-api.md): who is calling and
// which manager to ring, also for routing over AMI (docs/ami-routing.md).
export { answerCaller } from "./caller-answer";
export type { LookupAccount } from "./caller-lookup";
export { clearCallerCache } from "./caller-lookup";
export { handleDialplanEvent } from "./event-endpoint";
export { dialplanManagerAnswer } from "./manager-endpoint";
