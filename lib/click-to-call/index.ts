// Click-to-call (docs/asterisk.md, «Звонок из CRM»): the CRM's makeCallUrl, an Originate on the PBX.
export { handleMakeCall } from "./endpoint";
