/**
 * manager.conf `eventfilter` lines of a user, applied to every event the session would be sent
 * (docs/asterisk.md, «Фильтры событий»): legacy filters are regular expressions over the whole
 * event text ("!" excludes); advanced ones, `eventfilter(action(…),name(…),header(…),method(…)) =
 * expression`, match an event's name and one header. With no filter everything passes; with
 * includes only what one of them matches; excludes then remove.
 */
interface Filter {
  include: boolean;
  name?: string;
  header?: string;
  method: "regex" | "exact" | "starts_with" | "ends_with" | "contains" | "none";
  expression: string;
  regex?: RegExp;
}

/**
 * POSIX extended regular expressions as regcomp() reads them: bracket classes such as
 * [[:space:]], and "." that matches line ends too (no REG_NEWLINE).
 */
function posixRegex(expression: string): RegExp {
  const classes: Record<string, string> = {
    space: "\\s",
    digit: "\\d",
    alpha: "A-Za-z",
    alnum: "A-Za-z0-9",
    upper: "A-Z",
    lower: "a-z",
  };
  const translated = expression.replace(/\[:(\w+):\]/g, (whole, name: string) => classes[name] ?? whole);
  return new RegExp(translated, "s");
}

/** One line as written in manager.conf (the part after the user's section header). */
export function parseFilter(line: string): Filter {
  const advanced = /^eventfilter\((.*)\)\s*=\s*(.*)$/.exec(line.trim());
  if (advanced) {
    const criteria = new Map([...advanced[1]!.matchAll(/(\w+)\(([^)]*)\)/g)].map((m) => [m[1]!, m[2]!]));
    const method = (criteria.get("method") ?? "none") as Filter["method"];
    const expression = advanced[2]!.trim();
    return {
      include: criteria.get("action") !== "exclude",
      name: criteria.get("name"),
      header: criteria.get("header")?.replace(/:$/, ""),
      method,
      expression,
      ...(method === "regex" ? { regex: posixRegex(expression) } : {}),
    };
  }
  const legacy = /^eventfilter\s*=\s*(.*)$/.exec(line.trim());
  if (!legacy) throw new Error(`not an eventfilter line: ${line}`);
  const text = legacy[1]!;
  const include = !text.startsWith("!");
  const expression = include ? text : text.slice(1);
  return { include, method: "regex", expression, regex: posixRegex(expression) };
}

function matches(filter: Filter, name: string, fields: ReadonlyMap<string, string>, text: string): boolean {
  if (filter.name !== undefined && filter.name !== name) return false;
  // The header it names, if any (an event without it does not match), else the whole event.
  let data = text;
  if (filter.header !== undefined) {
    const value = fields.get(filter.header.toLowerCase());
    if (value === undefined) return false;
    data = value;
  }
  switch (filter.method) {
    case "none":
      return true;
    case "regex":
      return filter.regex!.test(data);
    case "exact":
      return data === filter.expression;
    case "starts_with":
      return data.startsWith(filter.expression);
    case "ends_with":
      return data.endsWith(filter.expression);
    case "contains":
      return data.includes(filter.expression);
  }
}

export class EventFilters {
  private readonly includes: Filter[];
  private readonly excludes: Filter[];

  constructor(lines: readonly string[]) {
    const filters = lines.map(parseFilter);
    this.includes = filters.filter((f) => f.include);
    this.excludes = filters.filter((f) => !f.include);
  }

  /** Whether an event (its full text, "Event: …\r\n…") passes the user's filters. */
  passes(text: string): boolean {
    if (this.includes.length === 0 && this.excludes.length === 0) return true;
    const fields = new Map<string, string>();
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(": ");
      if (colon > 0) fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 2));
    }
    const name = fields.get("event") ?? "";
    if (this.includes.length > 0 && !this.includes.some((f) => matches(f, name, fields, text))) return false;
    return !this.excludes.some((f) => matches(f, name, fields, text));
  }
}
