// «Журнал звонков» (docs/cabinet.md): the account's calls as the cabinet lists them.
export {
  journalQuery,
  listCalls,
  pageOfCall,
  retryDelivery,
  type JournalCall,
  type JournalPage,
  type JournalTranscript,
} from "./calls";
