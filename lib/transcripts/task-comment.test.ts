import { describe, expect, it } from "vitest";
import type { Line } from "./dialogue";
import { taskCommentary } from "./task-comment";

const line = (second: number, text: string): Line => ({
  startMs: second * 1000,
  endMs: second * 1000 + 900,
  speaker: "customer",
  text,
});

const call = (callId: number, startedAt: string, summary: string | null, lines: Line[]) => ({
  taskId: 5,
  callId,
  startedAt: new Date(startedAt),
  dialogue: lines,
  summary,
  clientId: "a".repeat(64),
  timeZone: "Europe/Moscow",
  url: `https://asterisk.example.com/transcripts/c${callId}/sig`,
});

describe("a call-back task's commentary", () => {
  it("gives each missed call in the order they began: title, summary and the link to the whole", () => {
    const later = call(8, "2026-12-06T12:20:40Z", "Клиент просит перезвонить после обеда.", [line(1, "Алло")]);
    const earlier = call(7, "2026-12-06T12:00:12Z", "Клиент ждёт курьера.", [line(1, "Где курьер?")]);
    expect(taskCommentary("ru", [later, earlier])).toBe(
      [
        "Звонок 2026-12-06 15:00: расшифровка\nКратко:\nКлиент ждёт курьера.\n" +
          "Полная расшифровка: https://asterisk.example.com/transcripts/c7/sig",
        "Звонок 2026-12-06 15:20: расшифровка\nКратко:\nКлиент просит перезвонить после обеда.\n" +
          "Полная расшифровка: https://asterisk.example.com/transcripts/c8/sig",
      ].join("\n\n"),
    );
  });

  it("without a summary gives the conversation's first whole lines, in the admin's language", () => {
    const lines = Array.from({ length: 30 }, (_, i) => line(i, `реплика ${i} `.padEnd(40, "д")));
    const text = taskCommentary("en", [call(7, "2026-12-06T12:00:12Z", null, lines)]);
    const [title, heading, ...rest] = text.split("\n");
    expect([title, heading]).toEqual(["Call 2026-12-06 15:00: transcript", "Conversation:"]);
    expect(rest.at(-1)).toBe("The whole transcript: https://asterisk.example.com/transcripts/c7/sig");
    expect(rest.at(-2)).toBe("…");
    const said = rest.slice(0, -2);
    expect(said[0]).toMatch(/^\[0:00\] Customer: реплика 0 д+$/);
    expect(said.join("\n").length).toBeLessThanOrEqual(500);
    expect(said.every((l) => /^\[0:\d\d\] Customer: реплика \d+ д+$/.test(l))).toBe(true);
  });
});
