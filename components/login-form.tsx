"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { loginSchema, type LoginInput } from "@/lib/validations/login";

export function LoginForm({ initialError }: { initialError?: string }) {
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
      setError(
        result?.error && result.error !== "CredentialsSignin"
          ? result.error
          : "Не удалось войти: проверьте адрес CRM и API ключ",
      );
      return;
    }
    router.push("/cabinet/phones");
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="card form">
      <h1>Авторизация в сервисе</h1>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <Field
        label="Адрес CRM:"
        required
        placeholder="https://ваш_магазин.retailcrm.ru/"
        autoComplete="url"
        error={errors.crmUrl?.message}
        hint="URL панели управления retailCRM"
        {...register("crmUrl")}
      />
      <Field
        label="API ключ сервиса:"
        required
        type="password"
        autoComplete="off"
        error={errors.apiKey?.message}
        hint="Ключ из раздела Администрирование → Интеграция → Ключи доступа к API"
        {...register("apiKey")}
      />
      <Button type="submit" pending={isSubmitting}>
        {isSubmitting ? "Вход…" : "Вход"}
      </Button>
    </form>
  );
}
