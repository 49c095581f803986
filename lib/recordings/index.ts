// Recordings: what the dialplan uploads, what the CRM's player streams, and the links between.
export { receiveRecording, recordingUrl, UploadRejected } from "./upload";
export { streamRecording } from "./stream";
