// The scripts the PBX runs, served with the account's settings filled in (docs/dialplan-api.md,
// «event.sh»; docs/ami-events.md, «Пропуски»): event.sh for the dialplan, cdr-sync.sh for cron.
export { handleCdrSyncSh, handleEventSh, renderScript } from "./serve";
