import { transliterate, type PersonName } from "@/lib/telephony/caller-name";
import { wallClock } from "@/lib/telephony/clock";

const EXTENSION: Record<string, string> = { "audio/mpeg": "mp3", "audio/wav": "wav", "audio/ogg": "ogg" };
/** What a part of the name may hold: what every file system and every Content-Disposition parser takes. */
const UNSAFE = /[^A-Za-z0-9-]+/g;

function part(text: string | null | undefined, max: number): string {
  return (text ?? "")
    .replace(UNSAFE, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max);
}

/**
 * The name a recording is saved under (Content-Disposition): when the call began on the wall
 * clock of the account's CRM zone (as the journal shows it), its direction, the customer's number, the manager's
 * extension and surname in Latin letters, e.g. `2026-12-06_14-03_in_79001234567_103_Ivanov.mp3`.
 * Parts the call lacks are left out; nothing but Latin letters, digits, `-` and `_` is in it.
 */
export function downloadName(
  recording: { id: number; contentType: string; createdAt: Date },
  call: {
    startedAt: Date | null;
    direction: "IN" | "OUT" | null;
    phone: string | null;
    extension: string | null;
  } | null,
  manager: PersonName | null,
  timeZone: string,
): string {
  const when = wallClock(call?.startedAt ?? recording.createdAt, timeZone);
  const parts = [
    when.slice(0, 10),
    when.slice(11, 16).replace(":", "-"),
    call?.direction ? call.direction.toLowerCase() : "",
    part(call?.phone?.replace(/\D/g, ""), 20),
    part(call?.extension, 20),
    part(transliterate(manager?.lastName ?? ""), 40),
  ].filter(Boolean);
  return `${parts.join("_")}.${EXTENSION[recording.contentType] ?? "bin"}`;
}
