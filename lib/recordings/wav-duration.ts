const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_GSM610 = 49;

/** What a WAV's `fmt ` chunk says, and where its sound is. */
export interface WavLayout {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** Where the `data` chunk's bytes begin. */
  dataOffset: number;
  /** Its bytes: the header's size when non-zero and within the file, else up to the file's end. */
  dataBytes: number;
}

/**
 * Walks a WAV's chunks up to `data` (docs/asterisk.md, «Запись разговора»), trusting the `data`
 * size only when it is non-zero and fits in the file, because Asterisk leaves it 0 until the
 * recording is closed. `file` may be just the start of the file when `fileSize` gives the full
 * length. Null when it is not a WAV with a `fmt ` before its `data`.
 */
export function wavLayout(file: Buffer, fileSize: number = file.length): WavLayout | null {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== "RIFF" || file.toString("latin1", 8, 12) !== "WAVE")
    return null;
  let format: Omit<WavLayout, "dataOffset" | "dataBytes"> | null = null;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString("latin1", offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "data") {
      if (format === null) return null;
      const available = fileSize - body;
      return { ...format, dataOffset: body, dataBytes: size === 0 || size > available ? available : size };
    }
    if (body + size > file.length) return null;
    if (id === "fmt ") {
      if (size < 16) return null;
      format = {
        audioFormat: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        byteRate: file.readUInt32LE(body + 8),
        blockAlign: file.readUInt16LE(body + 12),
        bitsPerSample: file.readUInt16LE(body + 14),
      };
    }
    offset = body + size + (size % 2);
  }
  return null;
}

/**
 * Duration of a PCM or GSM-in-WAV file, from the byte rate of `fmt ` and the `data` chunk's size
 * (see wavLayout). Null when it is not a WAV this can measure.
 */
export function wavDurationSeconds(file: Buffer, fileSize: number = file.length): number | null {
  const layout = wavLayout(file, fileSize);
  if (!layout || layout.byteRate === 0) return null;
  if (layout.audioFormat !== WAVE_FORMAT_PCM && layout.audioFormat !== WAVE_FORMAT_GSM610) return null;
  return layout.dataBytes / layout.byteRate;
}
