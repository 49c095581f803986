import type { MessageKeys, NestedKeyOf } from "next-intl";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { fieldErrorsOf, type ActionResult } from "@/lib/validations/action-result";
import { refusalOf } from "@/lib/http/refusal";
import type { Messages } from "@/lib/i18n/messages";
import { translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { sessionAccountId } from "./session";

type MessageKey = MessageKeys<Messages, NestedKeyOf<Messages>>;

/** Whose cabinet the action acts in: every read and write it makes is scoped by the account. */
export interface CabinetSession {
  accountId: string;
}

export interface CabinetActionSpec<S extends z.ZodType> {
  /** How the log names the action. */
  name: string;
  /** What a client may post: a server action takes whatever is sent, not what the form's types say. */
  schema: S;
  /** The form's message when the input fails the schema (else «bad request»); each field's own problem goes beside it. */
  invalid?: MessageKey;
}

/**
 * The one pipeline of a cabinet server action: the signed-in account, or the «session expired»
 * answer; the input checked against the schema, with each field's problem in the admin's language;
 * the handler; a failure logged; a refusal (an outage, a throttle) answered as the form's message
 * instead of an error page. Anything else is a bug: logged and thrown.
 */
export function cabinetAction<S extends z.ZodType, T = undefined>(
  spec: CabinetActionSpec<S>,
  handler: (input: z.output<S>, session: CabinetSession) => Promise<ActionResult<T>>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    let accountId: string | null = null;
    try {
      accountId = await sessionAccountId();
      const t = await translator();
      if (!accountId) return { ok: false, formError: t("common.sessionExpired") };
      const parsed = spec.schema.safeParse(input);
      const result: ActionResult<T> = parsed.success
        ? await handler(parsed.data, { accountId })
        : {
            ok: false,
            formError: t(spec.invalid ?? "common.badRequest"),
            fieldErrors: await fieldErrorsOf(parsed.error.issues),
          };
      if (!result.ok)
        log.info(
          { action: spec.name, accountId, fields: Object.keys(result.fieldErrors ?? {}) },
          "cabinet action refused",
        );
      return result;
    } catch (error) {
      unstable_rethrow(error);
      const refusal = refusalOf(error);
      if (!refusal) {
        log.error({ err: error, action: spec.name, accountId }, "cabinet action failed");
        throw error;
      }
      log.warn(
        { action: spec.name, accountId, status: refusal.status, reason: refusal.message },
        "cabinet action refused",
      );
      return { ok: false, formError: (await translator("common"))("tryLater") };
    }
  };
}
