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

/** Adds a "Name: value" line to a message; other lines (no name) carry nothing. */
function addHeader(message: AmiMessage, line: string): void {
  const colon = line.indexOf(":");
  if (colon <= 0) return;
  const name = line.slice(0, colon);
  if (!(name in message)) message[name] = line.slice(colon + 1).trimStart();
}

/** Parses one block of "Name: value" lines (CRLF or LF). */
export function parseBlock(block: string): AmiMessage {
  const message: AmiMessage = {};
  for (const line of block.split(/\r?\n/)) addHeader(message, line);
  return message;
}

/** What one AMI peer may make the reader hold (docs/security.md, «АТС арендатора»). */
export interface AmiReadLimits {
  /** Characters in one line. */
  lineChars: number;
  /** Characters in one message, its lines together. */
  messageChars: number;
}

/** Real Asterisk lines are a few hundred characters; a message of a few hundred lines is a long list entry. */
export const AMI_READ_LIMITS: AmiReadLimits = { lineChars: 16 * 1024, messageChars: 256 * 1024 };

/** A peer sent a line or a message beyond the reader's limits. */
export class AmiReadLimitError extends Error {
  constructor(
    readonly limit: keyof AmiReadLimits,
    readonly allowed: number,
  ) {
    super(`an AMI ${limit === "lineChars" ? "line" : "message"} longer than ${allowed} characters`);
    this.name = "AmiReadLimitError";
  }
}

/**
 * Splits a stream into messages (each ends with a blank line, CRLF or LF) as it arrives. Every
 * character is looked at once, whatever the chunks, and nothing past the limits is held: a line
 * or a message beyond them throws AmiReadLimitError, and the caller drops the connection.
 */
export class AmiReader {
  private partial = "";
  private message: AmiMessage = {};
  private lines = 0;
  private messageChars = 0;

  constructor(private readonly limits: AmiReadLimits = AMI_READ_LIMITS) {}

  /** Takes the next piece of the stream; returns the messages it completes. */
  feed(text: string): AmiMessage[] {
    const messages: AmiMessage[] = [];
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      let line = this.partial ? this.partial + text.slice(start, end) : text.slice(start, end);
      this.partial = "";
      start = end + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.length > this.limits.lineChars) throw new AmiReadLimitError("lineChars", this.limits.lineChars);
      if (line === "") {
        if (this.lines > 0) messages.push(this.message);
        this.message = {};
        this.lines = 0;
        this.messageChars = 0;
        continue;
      }
      this.lines += 1;
      this.messageChars += line.length + 1;
      if (this.messageChars > this.limits.messageChars)
        throw new AmiReadLimitError("messageChars", this.limits.messageChars);
      addHeader(this.message, line);
    }
    if (this.partial.length + text.length - start > this.limits.lineChars)
      throw new AmiReadLimitError("lineChars", this.limits.lineChars);
    this.partial += text.slice(start);
    return messages;
  }
}

/** Case-insensitive header lookup (Asterisk compares header names case-insensitively). */
export function header(message: AmiMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(message)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
