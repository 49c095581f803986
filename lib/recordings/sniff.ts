export type SniffedAudio =
  | { contentType: "audio/wav"; extension: "wav" }
  | { contentType: "audio/mpeg"; extension: "mp3" }
  | { contentType: "audio/ogg"; extension: "ogg" };

/** How many leading bytes sniffAudio needs to decide (the RIFF/WAVE header is the longest check). */
export const SNIFF_BYTES = 12;

function ascii(head: Buffer, offset: number, text: string): boolean {
  return head.length >= offset + text.length && head.toString("latin1", offset, offset + text.length) === text;
}

function isId3Tag(head: Buffer): boolean {
  const major = head[3];
  const revision = head[4];
  return (
    ascii(head, 0, "ID3") &&
    major !== undefined &&
    major >= 2 &&
    major <= 4 &&
    revision !== undefined &&
    revision !== 0xff
  );
}

/** An MPEG audio frame header: 11 sync bits, then a version, layer, bitrate and sample rate that are not reserved. */
function isMpegFrame(head: Buffer): boolean {
  const [b0, b1, b2] = head;
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0b11;
  const layer = (b1 >> 1) & 0b11;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0b11;
  return version !== 0b01 && layer !== 0b00 && bitrate !== 0b0000 && bitrate !== 0b1111 && sampleRate !== 0b11;
}

/** Identifies an upload by its first bytes only; the file name the client sent is never consulted. */
export function sniffAudio(head: Buffer): SniffedAudio | null {
  if (ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) return { contentType: "audio/wav", extension: "wav" };
  if (ascii(head, 0, "OggS")) return { contentType: "audio/ogg", extension: "ogg" };
  if (isId3Tag(head) || isMpegFrame(head)) return { contentType: "audio/mpeg", extension: "mp3" };
  return null;
}
