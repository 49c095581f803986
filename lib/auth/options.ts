import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { connectAccount } from "@/lib/accounts";
import { isRefusal } from "@/lib/http/refusal";
import { env } from "@/lib/env";
import { requestLocale, translator } from "@/lib/i18n/server";
import { validationText } from "@/lib/i18n/validation";
import { loginSchema } from "@/lib/validations/login";
import { sessionGrant } from "./grant";
import { takeSignInAttempt } from "./sign-in-limit";

export const SESSION_MAX_AGE = 12 * 60 * 60;

declare module "next-auth" {
  interface Session {
    accountId: string;
    grant: string;
    /** The account's session epoch when it was granted (lib/auth/session.ts); absent in sessions older than epochs. */
    epoch?: number;
  }
  interface User {
    grant?: string;
    epoch?: number;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    accountId?: string;
    grant?: string;
    epoch?: number;
  }
}

/** Where to go after signing in or out: a path or an address of this service, else its start page. */
export function safeRedirect(url: string, baseUrl: string): string {
  if (url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")) return `${baseUrl}${url}`;
  try {
    return new URL(url).origin === new URL(baseUrl).origin ? url : baseUrl;
  } catch {
    return baseUrl;
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
        async authorize(credentials, request) {
          const t = await translator();
          const parsed = loginSchema.safeParse(credentials);
          if (!parsed.success)
            throw new Error(validationText(t, parsed.error.issues[0]?.message ?? "login.checkFields"));
          const attempt = await takeSignInAttempt(request.headers ?? {}, parsed.data.crmUrl);
          if (attempt.wait > 0) throw new Error(t("login.tooManyAttempts", { seconds: attempt.wait }));
          try {
            const account = await connectAccount(parsed.data, await requestLocale());
            await attempt.succeeded();
            return {
              id: account.id,
              name: account.crmUrl,
              grant: sessionGrant(account.clientId),
              epoch: account.sessionEpoch,
            };
          } catch (error) {
            if (isRefusal(error, "connect_failed")) throw new Error(error.message);
            throw new Error(t("login.internalError"));
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.accountId = user.id;
          token.grant = user.grant;
          token.epoch = user.epoch;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, accountId: token.accountId ?? "", grant: token.grant ?? "", epoch: token.epoch };
      },
      // next-auth's own throws on a callbackUrl that is not a URL, after the account was connected.
      redirect({ url, baseUrl }) {
        return safeRedirect(url, baseUrl);
      },
    },
  };
}
