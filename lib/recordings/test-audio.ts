/** Audio files built in code for the recordings tests. */

function pattern(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + 3) % 256));
}

/** A 16-bit mono PCM WAV as Asterisk writes it (44-byte header); `finalized: false` leaves both sizes 0, as while recording. */
export function pcmWav(
  sampleRate: number,
  seconds: number,
  options: { finalized?: boolean; declaredSeconds?: number } = {},
): Buffer {
  const byteRate = sampleRate * 2;
  const data = pattern(Math.round(byteRate * seconds));
  const declared = options.finalized === false ? 0 : Math.round(byteRate * (options.declaredSeconds ?? seconds));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(declared === 0 ? 0 : 36 + declared, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(declared, 40);
  return Buffer.concat([header, data]);
}

/** GSM 6.10 in WAV (format 49) with its 60-byte header and `fact` chunk, as in Asterisk's format_wav_gsm. */
export function gsmWav(seconds: number): Buffer {
  const data = pattern(Math.round(1625 * seconds));
  const header = Buffer.alloc(60);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(52 + data.length, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(20, 16);
  header.writeUInt16LE(49, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(1625, 28);
  header.writeUInt16LE(65, 32);
  header.writeUInt16LE(0, 34);
  header.writeUInt16LE(2, 36);
  header.writeUInt16LE(320, 38);
  header.write("fact", 40, "latin1");
  header.writeUInt32LE(4, 44);
  header.writeUInt32LE(Math.round(8000 * seconds), 48);
  header.write("data", 52, "latin1");
  header.writeUInt32LE(data.length, 56);
  return Buffer.concat([header, data]);
}

/** MP3 starting with an ID3v2.4 tag. */
export function id3Mp3(): Buffer {
  return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), mpegFrames()]);
}

/** Bare MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz. */
export function mpegFrames(): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat([frame, frame, frame]);
}

export function ogg(): Buffer {
  return Buffer.concat([Buffer.from("OggS\0\x02", "latin1"), pattern(500)]);
}

/** Feeds `data` in `chunkSize` pieces on demand; `pulled()` tells how many were asked for. */
export function chunkedStream(
  data: Buffer,
  chunkSize: number,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let offset = 0;
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls += 1;
      if (offset >= data.length) {
        controller.close();
        return;
      }
      controller.enqueue(data.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
  return { stream, pulled: () => pulls };
}
