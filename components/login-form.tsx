"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useValidationText } from "@/components/ui/use-validation-text";
import { loginSchema, type LoginInput } from "@/lib/validations/login";

export function LoginForm({ initialError }: { initialError?: string }) {
  const t = useTranslations("login");
  const vt = useValidationText();
  const router = useRouter();
  const [error, setError] = useState<string | undefined>(initialError);
  const {
    register,
    handleSubmit,
    formState: { errors, isSubmitting },
  } = useForm<LoginInput>({ resolver: zodResolver(loginSchema), defaultValues: { crmUrl: "", apiKey: "" } });

  const onSubmit = handleSubmit(async (values) => {
    setError(undefined);
    const result = await signIn("crm", { ...values, redirect: false });
    if (!result || result.error) {
      setError(result?.error && result.error !== "CredentialsSignin" ? result.error : t("failed"));
      return;
    }
    router.push("/cabinet/phones");
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="card form">
      <h1>{t("heading")}</h1>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <Field
        label={t("crmUrl")}
        required
        placeholder={t("crmUrlPlaceholder")}
        autoComplete="url"
        error={vt(errors.crmUrl?.message)}
        hint={t("crmUrlHint")}
        {...register("crmUrl")}
      />
      <Field
        label={t("apiKey")}
        required
        type="password"
        autoComplete="off"
        error={vt(errors.apiKey?.message)}
        hint={t("apiKeyHint")}
        {...register("apiKey")}
      />
      <Button type="submit" pending={isSubmitting}>
        {isSubmitting ? t("submitting") : t("submit")}
      </Button>
    </form>
  );
}
