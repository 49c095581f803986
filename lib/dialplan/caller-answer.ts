import { recentAsteriskSettings, recentRingProfile } from "@/lib/accounts";
import { DEFAULT_CHANNEL_TEMPLATE, managerChannel } from "@/lib/asterisk/channel";
import { dbPool } from "@/lib/db/client";
import { storeOf } from "@/lib/sites";
import { DEFAULT_LOOKUP_SETTINGS, lookupCaller, type LookupAccount } from "./caller-lookup";
import { chooseManager, mayTake, type Free } from "./manager-chain";

/** Who is calling and whom to ring: the caller's name for CallerID(name) and the responsible manager's extension. */
export interface CallerFor {
  callerId: string;
  /** The extension to ring first; empty when nobody is known or free. */
  extension: string;
  /** With the chain of managers (docs/crm-features.md): every extension to ring together, and their Dial() string. */
  chain?: { extensions: string[]; dial: string };
}

/** What routing over AMI adds to the answer (docs/ami-routing.md). */
export interface AnswerHooks {
  /** Told the caller's name as soon as it is looked up, before the manager is chosen. */
  named?: (callerId: string) => void;
  /** Passes over managers known to be busy (on a call, or by their phone's extension state), besides their status in the CRM. */
  free?: Free;
}

/**
 * The caller and the responsible manager, as /api/manager answers the dialplan (docs/dialplan-api.md)
 * and as routing over AMI acts on them (docs/ami-routing.md): one lookup (cache first, then the
 * CRM within the account's budget, counted from `arrived`, a performance.now() time) and the chain
 * of managers when the account has it.
 */
export async function answerCaller(
  account: LookupAccount,
  phone: string,
  externalPhone: string | undefined,
  arrived: number,
  { named, free }: AnswerHooks = {},
): Promise<CallerFor> {
  const [stored, profile] = await Promise.all([recentAsteriskSettings(account.id), recentRingProfile(account.id)]);
  const settings = stored ?? DEFAULT_LOOKUP_SETTINGS;
  const chained = profile.options?.managerChain ?? false;
  // The budget counts from the call's arrival: time spent reading the account is part of it.
  const left = () => Math.max(0, settings.lookupBudgetMs - (performance.now() - arrived));
  const answer = await lookupCaller(account, { ...settings, lookupBudgetMs: left() }, phone, {
    site: storeOf(profile.stores, externalPhone)?.siteCode,
    anyStatus: chained,
  });
  named?.(answer.callerId);
  if (!chained) {
    const { callerId, extension } = answer;
    if (!free || !extension) return { callerId, extension };
    return { callerId, extension: mayTake(profile, extension) && (await free(extension)) ? extension : "" };
  }
  const choice = await chooseManager(dbPool(), account.id, profile, answer, phone, left(), free);
  const template = stored?.channelTemplate ?? DEFAULT_CHANNEL_TEMPLATE;
  return {
    callerId: answer.callerId,
    extension: choice.extension,
    chain: {
      extensions: choice.extensions,
      dial: choice.extensions.map((extension) => managerChannel(template, extension)).join("&"),
    },
  };
}
