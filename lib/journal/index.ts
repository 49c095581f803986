// «Журнал звонков» (docs/cabinet.md): the account's calls as the cabinet lists them.
export { listCalls, retryDelivery, type JournalCall } from "./calls";
