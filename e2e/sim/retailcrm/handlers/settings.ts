import type { KeyHandler } from "../context";
import { ok } from "../reply";

/**
 * GET /api/v5/settings, shaped as the official PHP client's fixture shows it: each setting a
 * `{value, updated_at}`, the working times a list. Only the time zone is the account's own
 * (state.timezone); the rest is the fixture's.
 */
export const getSettings: KeyHandler = ({ state }) =>
  ok({
    settings: {
      default_currency: { value: "RUB", updated_at: "2020-12-02 14:54:16" },
      system_language: { value: "RU", updated_at: "2020-02-19 16:29:25" },
      timezone: { value: state.timezone, updated_at: "2021-02-08 08:29:40" },
      work_times: [
        {
          day_type: "Monday",
          start_time: "08:00",
          end_time: "20:30",
          lunch_start_time: "12:30",
          lunch_end_time: "13:00",
        },
      ],
    },
  });
