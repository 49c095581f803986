/** AMI message parsing and serialisation, following get_input(), do_message() and astman_*() in main/manager.c. */
import { authorityToStr } from "./permissions";

/** Raw header lines (`Name: value`) in the order received. */
export interface AmiMessage {
  readonly headers: readonly string[];
}

export interface ReadMessage extends AmiMessage {
  /** Set when the message must be answered with this error instead of being processed. */
  readonly error?: string;
}

export type Field = readonly [name: string, value: string];

const MAX_LINE = 1024;
const MAX_HEADERS = 128;

/** ast_skip_blanks(): drops leading characters below 33. */
export const skipBlanks = (text: string): string => text.replace(/^[\x01-\x20]+/, "");
export const trimBlanks = (text: string): string => text.replace(/[\x01-\x20]+$/, "");

/** Case-insensitive `Name:` lookup; the first occurrence wins. */
export function getHeader(msg: AmiMessage, name: string, skipEmpty = false): string {
  const wanted = name.toLowerCase();
  for (const line of msg.headers) {
    if (line[name.length] !== ":" || line.slice(0, name.length).toLowerCase() !== wanted) continue;
    const value = skipBlanks(line.slice(name.length + 1));
    if (skipEmpty && value === "") continue;
    return value;
  }
  return "";
}

/** Every header as `lowercased name → value`, first occurrence wins. */
export function headerRecord(msg: AmiMessage): Record<string, string> {
  const record: Record<string, string> = {};
  for (const line of msg.headers) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (!(name in record)) record[name] = skipBlanks(line.slice(colon + 1));
  }
  return record;
}

/**
 * __ast_app_separate_args() with remove_chars: split on the delimiter outside (), [] and quotes,
 * drop the quotes, honour backslash escapes. The 64th item is the unparsed remainder.
 */
export function separateArgs(input: string, max = 64): string[] {
  const args: string[] = [];
  let i = 0;
  let paren = 0;
  let bracket = 0;
  let quote = false;
  let endedOnDelimiter = false;
  while (i < input.length && args.length < max - 1) {
    let current = "";
    endedOnDelimiter = false;
    for (; i < input.length; i++) {
      const c = input.charAt(i);
      if (c === "(") paren++;
      else if (c === ")" && paren > 0) paren--;
      else if (c === "[") bracket++;
      else if (c === "]" && bracket > 0) bracket--;
      else if (c === '"') {
        quote = !quote;
        continue;
      } else if (c === "\\") {
        i++;
        current += input.charAt(i);
        continue;
      } else if (c === "," && paren === 0 && bracket === 0 && !quote) {
        endedOnDelimiter = true;
        i++;
        break;
      }
      current += c;
    }
    args.push(current);
  }
  if (i < input.length) args.push(input.slice(i));
  else if (endedOnDelimiter) args.push("");
  return args;
}

/** astman_get_variables(): every `Variable:` header, each split into `name=value` items. */
export function getVariables(msg: AmiMessage): string[] {
  const variables: string[] = [];
  for (const line of msg.headers) {
    if (line.slice(0, 9).toLowerCase() !== "variable:") continue;
    for (const item of separateArgs(skipBlanks(line.slice(9)))) {
      const eq = item.indexOf("=");
      if (eq > 0) variables.push(item);
    }
  }
  return variables;
}

export function actionIdLine(msg: AmiMessage): string {
  const id = getHeader(msg, "ActionID");
  return id === "" ? "" : `ActionID: ${id}\r\n`;
}

/** astman_send_response_full(): Response, then ActionID if non-empty, then Message if given. */
export function response(msg: AmiMessage, status: string, message?: string): string {
  const text = message === undefined ? "" : `Message: ${message}\r\n`;
  return `Response: ${status}\r\n${actionIdLine(msg)}${text}\r\n`;
}

export const ack = (msg: AmiMessage, message: string): string => response(msg, "Success", message);
export const error = (msg: AmiMessage, message: string): string => response(msg, "Error", message);

function fieldLines(fields: readonly Field[]): string {
  return fields.map(([name, value]) => `${name}: ${value}\r\n`).join("");
}

/** An event block: `Event`, `Privilege` (the class list plus `all`), the fields, a blank line. */
export function eventText(name: string, category: number, fields: readonly Field[]): string {
  return `Event: ${name}\r\nPrivilege: ${authorityToStr(category)}\r\n${fieldLines(fields)}\r\n`;
}

/**
 * Byte-exact model of get_input() + do_message(): a 1024-byte line buffer, CRLF or LF line ends,
 * a blank line ends a message, at most 128 headers.
 */
export class MessageReader {
  private line = Buffer.alloc(0);
  private incoming = Buffer.alloc(0);
  private headers: string[] = [];
  private lineTooLong = false;
  private headerLoss = false;

  feed(chunk: Buffer): ReadMessage[] {
    this.incoming = Buffer.concat([this.incoming, chunk]);
    const messages: ReadMessage[] = [];
    for (;;) {
      const line = this.nextLine();
      if (line !== undefined) {
        this.onLine(line, messages);
        continue;
      }
      if (this.incoming.length === 0) return messages;
      const room = MAX_LINE - this.line.length;
      this.line = Buffer.concat([this.line, this.incoming.subarray(0, room)]);
      this.incoming = this.incoming.subarray(room);
    }
  }

  private nextLine(): string | undefined {
    const lf = this.line.indexOf(0x0a);
    if (lf >= 0) {
      const end = lf > 0 && this.line[lf - 1] === 0x0d ? lf - 1 : lf;
      const text = this.line.subarray(0, end).toString("utf8");
      this.line = this.line.subarray(lf + 1);
      return text;
    }
    if (this.line.length >= MAX_LINE) {
      // Asterisk keeps the last byte in case it is the CR of a CRLF.
      this.line = this.line.subarray(this.line.length - 1);
      this.lineTooLong = true;
    }
    return undefined;
  }

  private onLine(line: string, messages: ReadMessage[]): void {
    if (line !== "") {
      if (this.headers.length < MAX_HEADERS) this.headers.push(line);
      else this.headerLoss = true;
      return;
    }
    const headers = this.headers;
    if (this.headerLoss) {
      messages.push({ headers, error: "Too many lines in message or allocation failure" });
    } else if (this.lineTooLong) {
      this.lineTooLong = false;
      messages.push({ headers, error: "Failed to parse message: line too long" });
    } else {
      messages.push({ headers });
    }
    this.headers = [];
    this.headerLoss = false;
  }
}
