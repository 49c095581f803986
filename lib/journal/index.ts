// «Журнал звонков» (docs/cabinet.md): the account's calls as the cabinet lists them.
export {
  journalQuery,
  listCalls,
  retryDelivery,
  type JournalCall,
  type JournalPage,
  type JournalTranscript,
} from "./calls";
