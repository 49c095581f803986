// Call tracking from AMI events (docs/ami-events.md): the one event connection per account, the
// calls derived from what Asterisk sends, stored through the same ingest as the dialplan's events.
export { startCallTracking, type CallTracking, type CallTrackingOptions } from "./holders";
export { eventConnectionStatus, type EventConnectionStatus } from "./status";
export { handleCdr, handleCdrSince } from "./cdr-endpoint";
