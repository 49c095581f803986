import { describe, expect, it } from "vitest";
import { eventParamsFrom, eventParamsSchema, managerQuerySchema, readEventParams } from "./dialplan";

const base = { clientId: "c".repeat(64), type: "hangup", uniqueid: "1717171717.1", phone: "+79001234567" };
const firstError = (extra: Record<string, string>) => {
  const parsed = eventParamsSchema.safeParse(eventParamsFrom({ ...base, ...extra }));
  return parsed.success ? null : parsed.error.issues[0]?.message;
};

describe("eventParamsSchema: values the database or the CRM cannot take are refused by name", () => {
  it.each([
    ["2026-02-30 10:00:00", "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)"],
    ["2026-13-01 10:00:00", "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)"],
    ["2026-01-01 24:00:00", "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)"],
    ["0000-01-01 00:00:00", "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)"],
    ["yesterday", "parameter date must be YYYY-MM-DD HH:MM:SS"],
  ])("date %j", (date, message) => expect(firstError({ date })).toBe(message));

  it("sends the CRM a date with a space, also when the dialplan wrote a T", () => {
    expect(eventParamsSchema.parse(eventParamsFrom({ ...base, date: "2026-02-28T23:59:59" })).date).toBe(
      "2026-02-28 23:59:59",
    );
    expect(eventParamsSchema.parse(eventParamsFrom({ ...base, DATE: "1970-01-01 00:00:00" })).date).toBe(
      "1970-01-01 00:00:00",
    );
  });

  it.each(["1\u0000", "+7900\t1234567", "7900\n1234567", "1'; DROP TABLE calls;--", "$(id)", "Иван", "\u202e123"])(
    "phone %j",
    (phone) => expect(firstError({ phone })).toBe("parameter phone has characters a phone number cannot have"),
  );

  it.each(["A\u0000B", "NO\u200bANSWER", "BUSY\r\nX"])("status %j", (status) =>
    expect(firstError({ status })).toBe("parameter status has unprintable characters"),
  );

  it.each(["http://x/\u0000", "https://pbx/rec\u202e.wav", "http://[", "javascript:alert(1)", "../../etc/passwd"])(
    "path %j",
    (path) => expect(firstError({ path })).toBe("parameter path must be an http, https or ftp URL"),
  );

  it.each(["101 102", "12345678901", "101,10a"])("code %j", (code) =>
    expect(firstError({ code })).toBe("parameter code must be extensions (1 to 10 digits), comma-separated"),
  );

  it("keeps accepting what the dialplan really sends", () => {
    expect(
      firstError({
        phone: "anonymous",
        code: " 101, 102,,103 ",
        status: "NO ANSWER",
        date: "2026-11-23 12:00:00",
        path: "https://user:pw@pbx.example/записи/1.wav",
        hold: "7",
      }),
    ).toBeNull();
    expect(firstError({ phone: "+7 (900) 123-45-67", status: "GARBAGE-STATUS" })).toBeNull();
  });
});

describe("managerQuerySchema", () => {
  it("refuses a phone with line breaks or tabs and keeps plain spaces", () => {
    const parse = (phone: string) => managerQuerySchema.safeParse({ clientId: "c", type: "json", phone });
    expect(parse("+7 (900) 123-45-67").success).toBe(true);
    expect(parse("7900\n1234567").error?.issues[0]?.message).toBe(
      "parameter phone has characters a phone number cannot have",
    );
  });
});

describe("readEventParams: recording", () => {
  it("takes recording=upload, event.sh's word that the recording follows", () => {
    expect(readEventParams({ ...base, recording: "upload" })).toEqual({
      ok: true,
      params: { ...base, recording: "upload" },
      warnings: [],
    });
  });

  it("stores the event without any other value of it, and says so", () => {
    expect(readEventParams({ ...base, recording: "yes" })).toEqual({
      ok: true,
      params: base,
      warnings: [
        {
          field: "recording",
          action: "ignored",
          message: "parameter recording must be upload; the event was stored without it",
        },
      ],
    });
  });
});
