import type { Segment } from "./engine";
import { maskText } from "./mask";

/** Who spoke a line: the two sides of a stereo recording; null in a mono one (docs/transcripts.md). */
export type Speaker = "manager" | "customer" | null;

export interface Line extends Segment {
  speaker: Speaker;
}

/**
 * Which side each channel of a stereo recording is. MixMonitor's `D` option writes what the
 * channel it runs on says to the left, what that channel hears to the right (docs/asterisk.md);
 * the dialplan starts it on the caller's channel: the customer's on an incoming call, the
 * manager's on an outgoing one.
 */
export function speakersOf(channels: number, direction: "IN" | "OUT" | null): Speaker[] {
  if (channels < 2) return [null];
  return direction === "OUT" ? ["manager", "customer"] : ["customer", "manager"];
}

/** The sides' segments as one conversation in time order, each line masked. */
export function dialogue(sides: Segment[][], speakers: Speaker[], maskPhrases: readonly string[]): Line[] {
  return sides
    .flatMap((segments, side) => segments.map((segment) => ({ ...segment, speaker: speakers[side] ?? null })))
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)
    .map((line) => ({ ...line, text: maskText(line.text, maskPhrases) }))
    .filter((line) => line.text.trim());
}

/** m:ss of a line's start. */
function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The conversation, one line per segment: "[0:05] Менеджер: …". */
export function transcriptLines(lines: Line[], names: Record<"manager" | "customer", string>): string[] {
  return lines.map((line) => `[${clock(line.startMs)}] ${line.speaker ? `${names[line.speaker]}: ` : ""}${line.text}`);
}

/** The conversation as text, one line per segment. */
export function dialogueText(lines: Line[], names: Record<"manager" | "customer", string>): string {
  return transcriptLines(lines, names).join("\n");
}

/** The text's whole lines that fit in `max` characters, or its first `max` when even the first line does not. */
export function wholeLinesWithin(text: string, max: number): string {
  const head = text.slice(0, max);
  const lastBreak = head.lastIndexOf("\n");
  return lastBreak > 0 ? head.slice(0, lastBreak) : head;
}
