/** How much of a WAV's start holds every chunk before `data` (fmt, fact, LIST are small). */
export const WAV_HEADER_WINDOW = 64 * 1024;

/**
 * The start of a WAV with its sizes made true, or null when they already are (or it is no WAV
 * this can read). Asterisk's MixMonitor writes 0 as the RIFF and data sizes until it closes the
 * file, so a copy taken before that plays as 0:00 (docs/asterisk.md, «Запись разговора»). The
 * data chunk is taken to run to the end of the file, as Asterisk writes it.
 */
export function repairedWavHead(head: Buffer, fileSize: number): Buffer | null {
  if (head.length < 12 || head.toString("latin1", 0, 4) !== "RIFF" || head.toString("latin1", 8, 12) !== "WAVE")
    return null;
  for (let offset = 12; offset + 8 <= head.length;) {
    const id = head.toString("latin1", offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "data") {
      const riffTrue = head.readUInt32LE(4) === fileSize - 8;
      const dataTrue = size > 0 && body + size <= fileSize;
      if (riffTrue && dataTrue) return null;
      const fixed = Buffer.from(head.subarray(0, body));
      fixed.writeUInt32LE(fileSize - 8, 4);
      if (!dataTrue) fixed.writeUInt32LE(fileSize - body, offset + 4);
      return fixed;
    }
    offset = body + size + (size % 2);
  }
  return null;
}
