import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EngineError, type Segment, type SpeechEngine } from "./engine";

/** Debian's `pocketsphinx` package; its model comes from `pocketsphinx-en-us` (docs/transcripts.md). */
const BINARY = "pocketsphinx_continuous";

/** Words that are silence or noise markers, not speech: `<s>`, `<sil>`, `[NOISE]`, `++garbage++`. */
const FILLER = /^(<.*>|\[.*\]|\+\+.*\+\+)$/;
/** A pause this long between words starts a new segment. */
const SEGMENT_GAP_MS = 600;

/**
 * `-time yes` output: the hypothesis line, then one line per word `word start end confidence`
 * (seconds); alternate pronunciations are written `word(2)`. Words are grouped into segments at
 * silences.
 */
export function parseTimedWords(output: string): Segment[] {
  const segments: Segment[] = [];
  let current: Segment | null = null;
  for (const line of output.split("\n")) {
    const match = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) \S+$/.exec(line.trim());
    if (!match) continue;
    const word = match[1]!.replace(/\(\d+\)$/, "");
    const startMs = Math.round(Number(match[2]) * 1000);
    const endMs = Math.round(Number(match[3]) * 1000);
    if (FILLER.test(word)) continue;
    if (current && startMs - current.endMs < SEGMENT_GAP_MS) {
      current.text += ` ${word}`;
      current.endMs = endMs;
    } else {
      current = { startMs, endMs, text: word };
      segments.push(current);
    }
  }
  return segments;
}

/**
 * A recogniser on this machine, sending nothing anywhere: CMU PocketSphinx with its US English
 * model. Made to prove the pipeline end to end (docs/transcripts.md); it knows no Russian.
 */
export function pocketSphinxEngine(options: { timeoutMs: number }): SpeechEngine {
  return {
    async recognise(wav, language, signal) {
      if (language !== "en") throw new EngineError("the local engine has only an English model", false);
      const dir = await mkdtemp(path.join(tmpdir(), "stt-"));
      try {
        const file = path.join(dir, "side.wav");
        await writeFile(file, wav);
        const output = await new Promise<string>((resolve, reject) => {
          execFile(
            BINARY,
            ["-infile", file, "-time", "yes", "-logfn", "/dev/null"],
            { timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024, signal },
            (error, stdout) => {
              if (!error) return resolve(stdout);
              const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
              reject(new EngineError(missing ? `${BINARY} is not installed` : `${BINARY}: ${error.message}`, !missing));
            },
          );
        });
        return parseTimedWords(output);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
