import { randomBytes } from "node:crypto";

/**
 * Ids of the calls the service places itself (click-to-call, docs/asterisk.md, «Звонок из CRM»):
 * the Originate's Uniqueid, so that the PBX's events and the CRM's records tie back to the click.
 */
const CLICK_ID = /^crm-\d{13}-[0-9a-f]{8}$/;

/** A Uniqueid for the manager's leg, chosen by us so that the dialplan's events tie back to this click. */
export function newClickId(): string {
  return `crm-${Date.now()}-${randomBytes(4).toString("hex")}`;
}

/** Whether a call's uniqueid is one the service gave an Originate (a call it placed itself). */
export function isClickId(uniqueid: string): boolean {
  return CLICK_ID.test(uniqueid);
}
