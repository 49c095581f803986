// Plays one context of the «API» tab's dialplan as Asterisk would, for the few applications and
// functions the snippets use: the requests a test sees are the ones the pasted text makes, not
// ones the test wrote itself. What Asterisk itself decides (who answers, DIALSTATUS, the
// recording's file) comes from the caller.

export interface Channel {
  /** Channel variables and the functions read like them (`CALLERID(num)`, `EXTEN`, `UNIQUEID`). */
  vars: Record<string, string>;
  /** Asterisk's own outcome of a Dial(): DIALSTATUS and ANSWEREDTIME. */
  dial: { status: string; answeredSeconds: number };
  /** The file MixMonitor writes when a recording starts. */
  recording: string;
}

export interface Played {
  /** URLs requested with CURL(), in order. */
  curls: string[];
  /** Targets of Dial(). */
  dials: string[];
  /** Arguments of each AGI(event.sh,…) of the h extension. */
  agi: string[][];
  /** Where a Goto() or a GotoIf() that was taken left the context (the play ends there). */
  left?: string;
}

type Hooks = { curl(url: string): Promise<string> };

/** The lines of `context` (without comments), from the code of a snippet. */
function contextLines(code: string, context: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const raw of code.split("\n")) {
    const header = /^\[([\w-]+)\]$/.exec(raw);
    if (header) inside = header[1] === context;
    else if (inside && raw.trim()) lines.push(withoutComment(raw));
  }
  if (!lines.length) throw new Error(`no context [${context}] in the snippet`);
  return lines;
}

/** A `;` starts a comment unless it is inside quotes. */
function withoutComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    if (line[i] === ";" && !quoted) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** The text between the bracket at `open` and its match. */
function closing(text: string, open: number, left: string, right: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === left) depth++;
    if (text[i] === right && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${left}${right} in ${text}`);
}

/** Splits application or function arguments at top-level commas. */
function args(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "(" || c === "{" || c === "[") depth++;
    if (c === ")" || c === "}" || c === "]") depth--;
    if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function strftime(format: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return format
    .replace("%Y", String(at.getFullYear()))
    .replace("%m", pad(at.getMonth() + 1))
    .replace("%d", pad(at.getDate()))
    .replace("%H", pad(at.getHours()))
    .replace("%M", pad(at.getMinutes()))
    .replace("%S", pad(at.getSeconds()));
}

/** `$["a" != ""]` and `$["a" = ""]`, the only expressions the snippets use. */
function condition(expression: string): boolean {
  const match = /^"(.*)" (!=|=) "(.*)"$/.exec(expression.trim());
  if (!match) throw new Error(`expression not understood: ${expression}`);
  return match[2] === "=" ? match[1] === match[3] : match[1] !== match[3];
}

class Player {
  readonly played: Played = { curls: [], dials: [], agi: [] };

  constructor(
    private readonly channel: Channel,
    private readonly hooks: Hooks,
  ) {}

  private get vars() {
    return this.channel.vars;
  }

  private async call(name: string, argument: string): Promise<string> {
    const [first = "", second = "", third = ""] = args(argument);
    switch (name) {
      case "CALLERID":
        return this.vars[`CALLERID(${argument})`] ?? "";
      case "URIENCODE":
        return encodeURIComponent(argument);
      case "STRFTIME":
        return strftime(third || second, new Date(Number(first) * 1000));
      case "CUT":
        return (this.vars[first] ?? "").split(second)[Number(third) - 1] ?? "";
      case "IF": {
        const [test, choices = ""] = [
          argument.slice(0, argument.indexOf("?")),
          argument.slice(argument.indexOf("?") + 1),
        ];
        const [yes, no = ""] = choices.split(":");
        return (test.startsWith("$[") ? condition(test.slice(2, -1)) : test !== "" && test !== "0") ? yes! : no;
      }
      case "CURL": {
        this.played.curls.push(argument);
        return this.hooks.curl(argument);
      }
      default:
        throw new Error(`function ${name}() is not played`);
    }
  }

  /** Substitutes every `${…}` and `$[…]`, innermost first, as Asterisk does. */
  async expand(text: string): Promise<string> {
    let out = "";
    for (let i = 0; i < text.length; i++) {
      if (text.startsWith("${", i)) {
        const end = closing(text, i + 1, "{", "}");
        const inner = await this.expand(text.slice(i + 2, end));
        const fn = /^([A-Z_]+)\((.*)\)$/s.exec(inner);
        out += fn ? await this.call(fn[1]!, fn[2]!) : (this.vars[inner] ?? "");
        i = end;
      } else if (text.startsWith("$[", i)) {
        const end = closing(text, i + 1, "[", "]");
        out += `$[${await this.expand(text.slice(i + 2, end))}]`;
        i = end;
      } else out += text[i];
    }
    return out;
  }

  /** Runs the lines of an extension until Hangup() or its end. */
  async run(lines: string[], code: string): Promise<void> {
    for (const line of lines) {
      const statement = /^(?:exten => [^,]+,1|same => n(?:\([a-z]+\))?),(\w+)\((.*)\)$/s.exec(line);
      if (!statement) throw new Error(`line not understood: ${line}`);
      const [, app, data = ""] = statement;
      switch (app) {
        case "NoOp":
          break;
        case "Set": {
          const at = data.indexOf("=");
          const name = data.slice(0, at);
          const value = await this.expand(data.slice(at + 1));
          const array = /^ARRAY\((.*)\)$/.exec(name);
          // ARRAY(a,b)=x,y sets each variable to its comma-separated part.
          if (array) array[1]!.split(",").forEach((each, i) => (this.vars[each] = value.split(",")[i] ?? ""));
          else if (!name.startsWith("CURLOPT(")) this.vars[name] = value;
          break;
        }
        case "Gosub":
        case "Macro": {
          const target = app === "Macro" ? `macro-${args(data)[0]}` : args(data)[0]!;
          if (!/record-call$/.test(target)) throw new Error(`${app}(${data}) is not played`);
          // MixMonitor starts writing the recording; its file name is Asterisk's.
          this.vars.MIXMONITOR_FILENAME ||= this.channel.recording;
          contextLines(code, target);
          break;
        }
        case "Dial":
          this.played.dials.push(await this.expand(args(data)[0]!));
          this.vars.DIALSTATUS = this.channel.dial.status;
          this.vars.ANSWEREDTIME = String(this.channel.dial.answeredSeconds);
          break;
        case "Hangup":
          return;
        case "Goto":
          this.played.left = args(data).join(",");
          return;
        case "GotoIf": {
          const [test, target = ""] = [data.slice(0, data.indexOf("?")), data.slice(data.indexOf("?") + 1)];
          const expanded = await this.expand(test);
          const taken = expanded.startsWith("$[")
            ? condition(expanded.slice(2, -1))
            : expanded !== "" && expanded !== "0";
          if (!taken) break;
          this.played.left = target;
          return;
        }
        case "AGI":
          this.played.agi.push(
            await Promise.all(
              args(data)
                .slice(1)
                .map((a) => this.expand(a)),
            ),
          );
          break;
        default:
          throw new Error(`application ${app}() is not played`);
      }
    }
  }
}

/**
 * Plays `context` of a snippet's code on a channel: the extension that matches (the first
 * line's), then, as at the end of every call, its h extension.
 */
export async function playContext(code: string, context: string, channel: Channel, hooks: Hooks): Promise<Played> {
  const lines = contextLines(code, context);
  const hangupAt = lines.findIndex((line) => line.startsWith("exten => h,"));
  const player = new Player(channel, hooks);
  await player.run(hangupAt < 0 ? lines : lines.slice(0, hangupAt), code);
  if (hangupAt >= 0) {
    channel.vars.EXTEN = "h";
    await player.run(lines.slice(hangupAt), code);
  }
  return player.played;
}
