import { crmHost } from "@/lib/retailcrm/crm-url";
import { forgetOldAttempts, giveBackAttempt, takeAttempt } from "@/lib/security/attempt-limit";
import { sourceAddress } from "@/lib/security/source-address";

// A person retyping a key stays far below these; a script trying keys reaches them at once.
const PER_SOURCE = { burst: 10, perSecond: 1 / 30 };
const PER_CRM = { burst: 20, perSecond: 1 / 30 };
const PREFIX = "sign-in:";
const FORGET_EVERY = 100;

let attempts = 0;

export interface SignInAttempt {
  /** Seconds to wait before trying again; 0 when the key may be checked now. */
  wait: number;
  /** The key was right: the attempt does not count against the source or the CRM. */
  succeeded(): Promise<void>;
}

/**
 * Takes a sign-in attempt from the source's allowance and from the CRM's, before the key is
 * checked against that CRM: guessing keys from one address, or against one CRM from many, is
 * slowed to one attempt in 30 s. The CRM is its host however the address was typed (crmHost),
 * so that spelling it anew earns no fresh allowance. Only failures count: an office that signs
 * in all day from one address is never held up (docs/security.md, «Вход»).
 */
export async function takeSignInAttempt(headers: Record<string, unknown>, crmUrl: string): Promise<SignInAttempt> {
  const source = sourceAddress(
    new Headers(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === "string")),
  );
  if (++attempts % FORGET_EVERY === 0) void forgetOldAttempts(PREFIX).catch(() => undefined);
  const allowances = [
    { key: `${PREFIX}source:${source}`, ...PER_SOURCE },
    { key: `${PREFIX}crm:${crmHost(crmUrl)!}`, ...PER_CRM },
  ];
  const wait = await takeAttempt(allowances);
  return { wait, succeeded: () => giveBackAttempt(allowances) };
}
