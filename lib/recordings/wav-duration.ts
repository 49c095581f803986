const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_GSM610 = 49;

/**
 * Duration of a PCM or GSM-in-WAV file (docs/asterisk.md, «Запись разговора»): walks the chunks, takes the byte
 * rate from `fmt `, and trusts the `data` size only when it is non-zero and fits in the file,
 * because Asterisk leaves it 0 until the recording is closed. `file` may be just the start of the
 * file when `fileSize` gives the full length. Null when it is not a WAV this can measure.
 */
export function wavDurationSeconds(file: Buffer, fileSize: number = file.length): number | null {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== "RIFF" || file.toString("latin1", 8, 12) !== "WAVE")
    return null;
  let byteRate: number | null = null;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString("latin1", offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "data") {
      if (byteRate === null) return null;
      const available = fileSize - body;
      const dataSize = size === 0 || size > available ? available : size;
      return dataSize / byteRate;
    }
    if (body + size > file.length) return null;
    if (id === "fmt ") {
      if (size < 12) return null;
      const audioFormat = file.readUInt16LE(body);
      const rate = file.readUInt32LE(body + 8);
      if ((audioFormat !== WAVE_FORMAT_PCM && audioFormat !== WAVE_FORMAT_GSM610) || rate === 0) return null;
      byteRate = rate;
    }
    offset = body + size + (size % 2);
  }
  return null;
}
