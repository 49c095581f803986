import { describe, expect, it } from "vitest";
import { downloadName } from "./download-name";

const recording = { id: 5, contentType: "audio/mpeg", createdAt: new Date("2026-12-07T09:30:00Z") };

describe("downloadName", () => {
  it("names a recording by its call: start, direction, number, extension and the manager in Latin letters", () => {
    const call = {
      startedAt: new Date("2026-12-06T14:03:27Z"),
      direction: "IN" as const,
      phone: "+7 (900) 123-45-67",
      extension: "103",
    };
    expect(downloadName(recording, call, { lastName: "Щукин" }, "UTC")).toBe(
      "2026-12-06_14-03_in_79001234567_103_Shchukin.mp3",
    );
    expect(downloadName({ ...recording, contentType: "audio/wav" }, { ...call, direction: "OUT" }, null, "UTC")).toBe(
      "2026-12-06_14-03_out_79001234567_103.wav",
    );
  });

  it("lets nothing through that a file system or a header would read otherwise", () => {
    const call = {
      startedAt: new Date("2026-12-06T14:03:27Z"),
      direction: "IN" as const,
      phone: '"; rm -rf /',
      extension: '../"\r\nX-Evil: 1',
    };
    const name = downloadName(recording, call, { lastName: "Д'Артаньян \"\\/..\u202e" }, "UTC");
    expect(name).toMatch(/^[A-Za-z0-9_-]+\.mp3$/);
    expect(name).toBe("2026-12-06_14-03_in_X-Evil-1_D-Artanian.mp3");
  });

  it("says the moment on the wall clock of the account's CRM zone, as the journal does", () => {
    const call = {
      startedAt: new Date("2026-12-06T11:03:27Z"),
      direction: "IN" as const,
      phone: null,
      extension: null,
    };
    expect(downloadName(recording, call, null, "Europe/Moscow")).toBe("2026-12-06_14-03_in.mp3");
    expect(downloadName(recording, call, null, "Asia/Vladivostok")).toBe("2026-12-06_21-03_in.mp3");
  });

  it("falls back to the upload's time without a call", () => {
    expect(downloadName(recording, null, null, "UTC")).toBe("2026-12-07_09-30.mp3");
  });
});
