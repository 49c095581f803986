import type { Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";

/** What the «API» tab knows about the account and this deployment when it renders the snippets. */
export interface SnippetContext {
  /** Language of the titles, descriptions and code comments; the code itself is the same in every one. */
  locale: Locale;
  /** Public address of this service, without a trailing slash, e.g. "https://bridge.example.com". */
  serviceUrl: string;
  /** The account's clientId (64 hex characters); goes into URLs as it is. */
  clientId: string;
  /** manager.conf section name, i.e. the AMI username (default "asterisk"). */
  amiLogin: string;
  /** Address the bridge connects to Asterisk from; a documentation placeholder is used when absent. */
  serviceIp?: string;
  amiTransport: "HTTP" | "TCP";
  /** «Канал звонка менеджеру»: SIP, PJSIP or a template with {code}; every Dial() of a manager uses it. */
  channelTemplate: string;
  /** The AMI user also pauses queue members (QueuePause), which needs write class "agent". */
  queuePause?: boolean;
  /** Where call events come from: with AMI, the user also reads call events over TCP (docs/ami-events.md). */
  eventSource?: "DIALPLAN" | "AMI" | "BOTH";
  /** TCP port of the AMI event stream. */
  amiEventsPort?: number;
  /** AMI mode also names and routes callers (Setvar, Redirect: docs/ami-routing.md), which needs write class "call". */
  amiRouting?: boolean;
  /** The account transcribes its calls: MixMonitor records each side on its own channel (docs/transcripts.md). */
  stereoRecording?: boolean;
}

export interface Snippet {
  id: string;
  title: string;
  language: "ini" | "asterisk" | "bash";
  description: string;
  code: string;
}

/** The «snippets» messages in the context's language. */
export type SnippetText = ReturnType<typeof translatorFor<"snippets">>;

export function snippetText(ctx: SnippetContext): SnippetText {
  return translatorFor(ctx.locale, "snippets");
}
