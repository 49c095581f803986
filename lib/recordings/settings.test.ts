import { describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "@/lib/db/client";
import type { RecordingSettingsInput } from "@/lib/validations/recording-settings";
import { loadRecordingSettings, saveRecordingSettings } from "./settings";

describe("«Записи разговоров»", () => {
  it("offers MP3 kept 365 days to an account that never chose, and keeps what the admin saves", async () => {
    const account = await createTestAccount();
    expect(await loadRecordingSettings(account.id)).toEqual({ format: "MP3", retention: "365" });
    expect(await saveRecordingSettings(account.id, { format: "WAV", retention: "always" })).toEqual({
      ok: true,
      message: "Настройки записей сохранены",
    });
    expect(await loadRecordingSettings(account.id)).toEqual({ format: "WAV", retention: "always" });
    expect(await db().recordingSettings.findUniqueOrThrow({ where: { accountId: account.id } })).toMatchObject({
      format: "WAV",
      retentionDays: null,
      locale: "ru",
    });
  });

  it("refuses a period or a format not offered, naming the field, and saves nothing", async () => {
    const account = await createTestAccount();
    const outcome = await saveRecordingSettings(account.id, {
      format: "FLAC",
      retention: "7",
    } as unknown as RecordingSettingsInput);
    expect(outcome).toEqual({
      ok: false,
      formError: "Проверьте поля формы",
      fieldErrors: { format: "Выберите формат: MP3 или WAV", retention: "Выберите срок хранения из списка" },
    });
    expect(await db().recordingSettings.count({ where: { accountId: account.id } })).toBe(0);
  });
});
