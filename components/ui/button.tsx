import type { ButtonHTMLAttributes } from "react";

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  pending?: boolean;
  variant?: "primary" | "secondary" | "danger";
}

export function Button({ pending, variant = "primary", children, disabled, ...rest }: ButtonProps) {
  return (
    <button
      className={`button button-${variant}`}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
      {...rest}
    >
      {children}
    </button>
  );
}
