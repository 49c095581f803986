/**
 * Wall clocks of time zones (docs/dialplan-api.md, «Время звонка»): the service keeps every call's
 * start as a real moment and says it in a zone only where a zone reads it. The PBX's dialplan and
 * CDR give their own local time, the CRM reads `Y-m-d H:i:s` in the account's zone.
 */

/** An IANA zone name the runtime knows ("Europe/Moscow", "Asia/Vladivostok", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(zone, format);
  }
  return format;
}

/** "Y-m-d H:i:s" of a moment on the wall clock of a zone. */
export function wallClock(at: Date, zone: string): string {
  const parts = Object.fromEntries(
    formatIn(zone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}
