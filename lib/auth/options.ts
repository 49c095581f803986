import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { connectAccount, ConnectError } from "@/lib/accounts/connect";
import { env } from "@/lib/env";
import { loginSchema } from "@/lib/validations/login";

export const SESSION_MAX_AGE = 12 * 60 * 60;

declare module "next-auth" {
  interface Session {
    accountId: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    accountId?: string;
  }
}

export function authOptions(): NextAuthOptions {
  return {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "crm",
        name: "retailCRM",
        credentials: {
          crmUrl: { label: "Адрес CRM", type: "text" },
          apiKey: { label: "API ключ сервиса", type: "password" },
        },
        async authorize(credentials) {
          const parsed = loginSchema.safeParse(credentials);
          if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? "Проверьте адрес CRM и API ключ");
          try {
            const account = await connectAccount(parsed.data);
            return { id: account.id, name: account.crmUrl };
          } catch (error) {
            if (error instanceof ConnectError) throw new Error(error.message);
            throw new Error("Не удалось войти: внутренняя ошибка сервиса");
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.accountId = user.id;
        return token;
      },
      session({ session, token }) {
        return { ...session, accountId: token.accountId ?? "" };
      },
    },
  };
}
