// Transcripts and summaries of calls (docs/transcripts.md): the speech engines, masking, the
// queue of recordings to transcribe and the note each call gets in the CRM.
export { startTranscriptWork, type TranscriptWorkOptions } from "./background";
export { sendCallNote, type NotedCall, type NoteOutcome } from "./note";
export { sendTaskCommentary, type CommentedCall, type CommentOutcome } from "./task-comment";
export { transcriptLines } from "./dialogue";
export { transcriptUrl } from "./link";
export { publicTranscript, type PublicTranscript } from "./public-page";
export { saveTranscriptSettings, type TranscriptSettingsInput } from "./settings";
export { loadTranscriptCabinet, saveTranscriptCabinet, testTranscriptEngine, type TranscriptCabinet } from "./cabinet";
export { decodeRecording, sides } from "./audio";
