// Calls as the service stores them: every event that reports one, from the dialplan or derived
// from AMI, goes through one statement that stores it, its call and the CRM requests it owes.
export { ingestCallEvent } from "./ingest";
