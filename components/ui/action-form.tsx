"use client";

import { useTranslations } from "next-intl";
import { useState, type BaseSyntheticEvent } from "react";
import { useForm, type FieldValues, type Path, type UseFormProps } from "react-hook-form";
import type { ActionResult } from "@/lib/validations/action-result";
import { Alert } from "./alert";

type Action<TSubmitted, TData> = (values: TSubmitted) => Promise<ActionResult<TData>>;

/**
 * The one way the cabinet submits to a server action: react-hook-form checks the fields first
 * (with the action's schema as its resolver), the action's field errors land on the fields it
 * names, and its answer is `outcome`. A button with nothing to fill in uses it too, with no fields.
 * An action that never answers (the connection dropped) is answered with `offline`.
 */
export function useActionForm<TValues extends FieldValues = FieldValues, TData = undefined, TSubmitted = TValues>(
  props?: UseFormProps<TValues, unknown, TSubmitted> & { offline?: string },
) {
  const common = useTranslations("common");
  const { offline, ...formProps } = props ?? {};
  const form = useForm<TValues, unknown, TSubmitted>(formProps);
  const [outcome, setOutcome] = useState<ActionResult<TData>>();
  const [running, setRunning] = useState<Action<TSubmitted, TData>>();

  /** The submit handler for one action; `then` sees every answer (to refresh the page, say). */
  function submit(action: Action<TSubmitted, TData>, then?: (result: ActionResult<TData>) => void) {
    const handle = form.handleSubmit(async (values) => {
      setOutcome(undefined);
      setRunning(() => action);
      let result: ActionResult<TData>;
      try {
        result = await action(values);
      } catch {
        result = { ok: false, formError: offline ?? common("offline") };
      } finally {
        setRunning(undefined);
      }
      if (!result.ok)
        for (const [field, message] of Object.entries(result.fieldErrors ?? {}))
          form.setError(field as Path<TValues>, { message });
      setOutcome(result);
      then?.(result);
    });
    // The action's errors are cleared first: one on a name no field registers would block every next submit.
    return (event?: BaseSyntheticEvent) => {
      form.clearErrors();
      return handle(event);
    };
  }

  return { ...form, submit, outcome, running };
}

/** The action's answer as the form's notice: its message, or why it refused. */
export function OutcomeAlert({
  outcome,
  tone = "success",
}: {
  outcome: ActionResult<unknown> | undefined;
  tone?: "success" | "info";
}) {
  const text = outcome?.ok ? outcome.message : outcome?.formError;
  return text ? <Alert tone={outcome?.ok ? tone : "error"}>{text}</Alert> : null;
}
