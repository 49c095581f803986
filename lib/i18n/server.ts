import { cookies, headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { DEFAULT_LOCALE, LOCALE_COOKIE, pickLocale, type Locale } from "./config";
import { translatorFor, type Namespace } from "./translate";

/**
 * The locale of the request being served: the kept switch, else the browser's language. Outside a
 * request (the delivery worker, tests calling lib/ directly) there is none: Russian, the default.
 */
export async function requestLocale(): Promise<Locale> {
  try {
    const [jar, head] = await Promise.all([cookies(), headers()]);
    return pickLocale(jar.get(LOCALE_COOKIE)?.value, head.get("accept-language"));
  } catch (error) {
    // Next's own signals (this page renders per request) must reach Next; only "no request" is ours.
    unstable_rethrow(error);
    return DEFAULT_LOCALE;
  }
}

/**
 * A translator for server code outside React (server actions, lib/ messages shown in the cabinet).
 * Unlike next-intl's getTranslations it also works outside a Next request, where it speaks Russian.
 */
export async function translator<N extends Namespace = never>(namespace?: N) {
  return translatorFor(await requestLocale(), namespace);
}
