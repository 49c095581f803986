import { describe, expect, it } from "vitest";
import type { Line } from "./dialogue";
import { noteText } from "./note";

const URL = "https://asterisk.example.com/transcripts/c7/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const CALL = { startedAt: new Date("2026-12-06T11:04:27Z"), timeZone: "Europe/Moscow", transcriptUrl: URL };

const line = (second: number, text: string): Line => ({
  startMs: second * 1000,
  endMs: second * 1000 + 900,
  speaker: second % 2 ? "customer" : "manager",
  text,
});

describe("the note's text", () => {
  it("a short conversation is whole, without a link", () => {
    const text = noteText("ru", CALL, [line(1, "Где мой заказ?"), line(2, "Отправили вчера")], "Кратко о звонке");
    expect(text).toBe(
      [
        "Звонок 2026-12-06 14:04: расшифровка",
        "Кратко:\nКратко о звонке",
        "Разговор:\n[0:01] Клиент: Где мой заказ?\n[0:02] Менеджер: Отправили вчера",
      ].join("\n\n"),
    );
    expect(text).not.toContain(URL);
  });

  it("a long one is cut at a whole line and ends with the link to the whole, in the admin's language", () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(i, `реплика ${i} `.padEnd(60, "д")));
    const ru = noteText("ru", CALL, lines, null);
    expect(ru.endsWith(`\n… Полная расшифровка: ${URL}`)).toBe(true);
    const said = ru.slice(ru.indexOf("Разговор:\n") + "Разговор:\n".length, ru.lastIndexOf("\n…"));
    expect(said.length).toBeLessThanOrEqual(4_000);
    expect(said.split("\n").every((l) => /^\[\d+:\d\d\] (Клиент|Менеджер): реплика \d+ д+$/.test(l))).toBe(true);
    expect(said).not.toContain("реплика 99 ");

    const en = noteText("en", CALL, lines, null);
    expect(en).toMatch(/^Call 2026-12-06 14:04: transcript/);
    expect(en.endsWith(`\n… The whole transcript: ${URL}`)).toBe(true);
  });
});
