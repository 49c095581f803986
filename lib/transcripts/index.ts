// Transcripts and summaries of calls (docs/transcripts.md): the speech engines, masking, the
// queue of recordings to transcribe and the note each call gets in the CRM.
export { maskText } from "./mask";
