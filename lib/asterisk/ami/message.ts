/** One AMI message (response or event): header names as Asterisk sent them, first occurrence wins. */
export type AmiMessage = Record<string, string>;

export type AmiAction = Record<string, string | string[] | undefined>;

/** Serialises an action as AMI expects it on TCP: "Name: value" lines, CRLF, a blank line at the end. */
export function serializeAction(action: AmiAction): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(action)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(item))
        throw new Error(`AMI header ${name} must not contain line breaks`);
      lines.push(`${name}: ${item}`);
    }
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Parses one block of "Name: value" lines (CRLF or LF). */
export function parseBlock(block: string): AmiMessage {
  const message: AmiMessage = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    if (!(name in message)) message[name] = line.slice(colon + 1).trimStart();
  }
  return message;
}

/** Splits a stream buffer into complete messages (each ends with a blank line); returns what is left over. */
export function takeMessages(buffer: string): { messages: AmiMessage[]; rest: string } {
  const messages: AmiMessage[] = [];
  let rest = buffer;
  for (;;) {
    const match = /\r?\n\r?\n/.exec(rest);
    if (!match) break;
    const block = rest.slice(0, match.index);
    rest = rest.slice(match.index + match[0].length);
    if (block.trim()) messages.push(parseBlock(block));
  }
  return { messages, rest };
}

/** Case-insensitive header lookup (Asterisk compares header names case-insensitively). */
export function header(message: AmiMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(message)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
