// Recordings: what the dialplan uploads, what the CRM's player streams, and the links between;
// their compact copies and retention, run by the worker processes.
export { receiveRecording, recordingUrl } from "./upload";
export { streamRecording } from "./stream";
export { startRecordingWork, type RecordingWorkOptions } from "./background";
export { loadRecordingSettings, saveRecordingSettings } from "./settings";
export { compactWav } from "./mp3";
export { signRecordingPath } from "./signed-url";
export { SNIFF_BYTES, sniffAudio } from "./sniff";
export { RecordingNotFoundError } from "./storage";
export { wavLayout } from "./wav-duration";
export { recordingStores } from "./stores";
export { callOfRecordingFile } from "./file-call";
export { recordingBytes } from "./bytes";
