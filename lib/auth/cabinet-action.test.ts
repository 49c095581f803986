import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { LOCALE_COOKIE } from "@/lib/i18n/config";
import { Refusal } from "@/lib/http/refusal";
import { saveExtensionSchema } from "@/lib/validations/extension";
import { cabinetAction } from "./cabinet-action";

// The signed-in account and the admin's language, as a request would carry them.
const request = vi.hoisted(() => ({ accountId: null as string | null, locale: "ru" }));
vi.mock("./session", () => ({ sessionAccountId: async () => request.accountId }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === LOCALE_COOKIE ? { value: request.locale } : undefined),
  }),
  headers: async () => new Headers(),
}));

const ACCOUNT = "5f0c3c1e-8d5a-4c59-9a43-2f6a1f0e7b21";

describe("cabinetAction", () => {
  const handler = vi.fn(async (input: { crmUserId: number; extension: string | null }, session: object) => ({
    ok: true as const,
    message: `saved ${input.extension} for ${JSON.stringify(session)}`,
  }));
  const save = cabinetAction(
    { name: "test save", schema: saveExtensionSchema, invalid: "phones.checkNumber" },
    handler,
  );

  beforeEach(() => {
    handler.mockClear();
    request.accountId = ACCOUNT;
    request.locale = "ru";
  });

  it("answers a signed-out caller that the session expired, in the admin's language, and runs nothing", async () => {
    request.accountId = null;
    expect(await save({ crmUserId: 3, extension: "101" })).toEqual({
      ok: false,
      formError: "Сессия истекла: войдите снова",
    });
    request.locale = "en";
    expect(await save({ crmUserId: 3, extension: "101" })).toEqual({
      ok: false,
      formError: "Your session has expired: please sign in again",
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it("refuses input the schema refuses: the form's message and each field's first problem, by its path", async () => {
    expect(await save({ crmUserId: 3, extension: "12a" })).toEqual({
      ok: false,
      formError: "Проверьте номер",
      fieldErrors: { extension: "Только цифры, не больше 10" },
    });
    const nested = cabinetAction(
      {
        name: "test nested",
        schema: z.object({
          numbers: z.array(
            z.object({ phone: z.string().min(3, "validation.extensionDigits").regex(/^\d+$/, "second") }),
          ),
        }),
      },
      async () => {
        throw new Error("not to be called");
      },
    );
    request.locale = "en";
    expect(await nested({ numbers: [{ phone: "123" }, { phone: "x" }] })).toEqual({
      ok: false,
      formError: "Invalid request",
      fieldErrors: { "numbers.1.phone": "Digits only, at most 10" },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it("hands the handler the parsed input and the session's account, and returns its answer", async () => {
    expect(await save({ crmUserId: 3, extension: " 101 " })).toEqual({
      ok: true,
      message: `saved 101 for {"accountId":"${ACCOUNT}"}`,
    });
    expect(await save({ crmUserId: 3, extension: "" })).toMatchObject({
      message: expect.stringMatching(/^saved null/),
    });
  });

  it("turns a refusal into the form's message instead of an error page", async () => {
    const throttled = cabinetAction({ name: "test throttled", schema: z.void() }, async () => {
      throw new Refusal("too_many_guesses", "too many unknown clientIds", 30);
    });
    expect(await throttled()).toEqual({ ok: false, formError: "Не получилось: повторите попытку позже" });
  });

  it("lets a bug through", async () => {
    const broken = cabinetAction({ name: "test broken", schema: z.void() }, async () => {
      throw new TypeError("a bug");
    });
    await expect(broken()).rejects.toThrow("a bug");
  });
});
