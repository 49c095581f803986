/**
 * Extension hints and their states (pbx.c's hints, as ExtensionState and ExtensionStatus show
 * them): a hint is Idle until an ExtensionStatus event (replayed from a recording, or made by
 * setExtensionState) says otherwise; an extension without a hint is -1 Unknown with an empty Hint.
 */
import { actionIdLine, error, getHeader, type AmiMessage } from "./protocol";

export interface HintConfig {
  context: string;
  exten: string;
  /** The devices it watches, as extensions.conf writes them: `Local/103@managers`, `PJSIP/103`, `Custom:104`. */
  hint: string;
}

/** ast_extension_state2str(). */
const STATUS_TEXT: ReadonlyMap<number, string> = new Map([
  [-2, "Removed"],
  [-1, "Unknown"],
  [0, "Idle"],
  [1, "InUse"],
  [2, "Busy"],
  [4, "Unavailable"],
  [8, "Ringing"],
  [9, "InUse&Ringing"],
  [16, "Hold"],
  [17, "InUse&Hold"],
]);

export const statusText = (status: number): string => STATUS_TEXT.get(status) ?? "Unknown";

export class Hints {
  private readonly hints = new Map<string, { hint: string; status: number }>();

  constructor(config: readonly HintConfig[] = []) {
    for (const { context, exten, hint } of config) this.hints.set(`${exten}@${context}`, { hint, status: 0 });
  }

  /** The hint of an extension, if it has one. */
  hintOf(exten: string, context: string): string | undefined {
    return this.hints.get(`${exten}@${context}`)?.hint;
  }

  /** An ExtensionStatus event: what ExtensionState answers from now on. */
  changed(exten: string, context: string, hint: string, status: number): void {
    this.hints.set(`${exten}@${context}`, { hint, status });
  }

  /** action_extensionstate(): the Context defaults to "default". */
  extensionState(msg: AmiMessage): string {
    const exten = getHeader(msg, "Exten");
    if (exten === "") return error(msg, "Extension not specified");
    const context = getHeader(msg, "Context") || "default";
    const found = this.hints.get(`${exten}@${context}`);
    const status = found?.status ?? -1;
    const fields = [
      ["Exten", exten],
      ["Context", context],
      ["Hint", found?.hint ?? ""],
      ["Status", String(status)],
      ["StatusText", statusText(status)],
    ];
    const lines = fields.map(([name, value]) => `${name}: ${value}\r\n`).join("");
    return `Response: Success\r\n${actionIdLine(msg)}Message: Extension Status\r\n${lines}\r\n`;
  }
}
