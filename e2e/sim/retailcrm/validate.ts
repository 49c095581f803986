export type JsonObject = Record<string, unknown>;

export const TEXT = {
  blank: "This value should not be blank.",
  choice: "The value you selected is not a valid choice.",
  url: "This value is not a valid URL.",
  dateTime: "This value is not a valid datetime.",
  type: (type: string) => `This value should be of type ${type}.`,
} as const;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

export function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** `Y-m-d H:i:s` naming a real calendar moment. */
export function isDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

/** Collected validation errors keyed by field path, reported as the `errors` object. */
export class Issues {
  readonly errors: Record<string, string> = {};

  add(path: string, message: string): void {
    if (!(path in this.errors)) this.errors[path] = message;
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}

/** Typed, error-collecting reads from one JSON object. */
export class Fields {
  constructor(
    readonly obj: JsonObject,
    private readonly path: string,
    private readonly issues: Issues,
  ) {}

  private at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, message: string): undefined {
    this.issues.add(this.at(key), message);
    return undefined;
  }

  private present(key: string, required: boolean): unknown {
    const value = this.obj[key];
    if (value === undefined || value === null || value === "") {
      if (required) this.fail(key, TEXT.blank);
      return undefined;
    }
    return value;
  }

  string(key: string, required = false): string | undefined {
    const value = this.present(key, required);
    if (value === undefined) return undefined;
    return typeof value === "string" ? value : this.fail(key, TEXT.type("string"));
  }

  bool(key: string): boolean | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    return typeof value === "boolean" ? value : this.fail(key, TEXT.type("bool"));
  }

  int(key: string, required = false): number | undefined {
    const value = this.present(key, required);
    if (value === undefined) return undefined;
    if (!Number.isInteger(value)) return this.fail(key, TEXT.type("int"));
    return (value as number) >= 0
      ? (value as number)
      : this.fail(key, "This value should be greater than or equal to 0.");
  }

  oneOf<T extends string>(key: string, choices: readonly T[], required = false): T | undefined {
    const value = this.string(key, required);
    if (value === undefined) return undefined;
    return (choices as readonly string[]).includes(value) ? (value as T) : this.fail(key, TEXT.choice);
  }

  url(key: string, required = false): string | undefined {
    const value = this.string(key, required);
    if (value === undefined) return undefined;
    return isHttpUrl(value) ? value : this.fail(key, TEXT.url);
  }

  dateTime(key: string, required = false): string | undefined {
    const value = this.string(key, required);
    if (value === undefined) return undefined;
    return isDateTime(value) ? value : this.fail(key, TEXT.dateTime);
  }

  list(key: string): unknown[] | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value : this.fail(key, TEXT.type("array"));
  }

  strings(key: string): string[] | undefined {
    const list = this.list(key);
    if (list === undefined) return undefined;
    return isStringArray(list) ? list : this.fail(key, TEXT.type("string[]"));
  }

  ints(key: string): number[] | undefined {
    const list = this.list(key);
    if (list === undefined) return undefined;
    return list.every((item) => Number.isInteger(item)) ? (list as number[]) : this.fail(key, TEXT.type("int[]"));
  }

  object(key: string): Fields | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    return isObject(value) ? new Fields(value, this.at(key), this.issues) : this.fail(key, TEXT.type("object"));
  }

  /** The objects of an array field, each as Fields at `key[i]`; non-objects are reported. */
  objects(key: string): Fields[] | undefined {
    const list = this.list(key);
    if (list === undefined) return undefined;
    return list.flatMap((item, i) => {
      if (isObject(item)) return [new Fields(item, `${this.at(key)}[${i}]`, this.issues)];
      this.fail(`${key}[${i}]`, TEXT.type("object"));
      return [];
    });
  }
}
