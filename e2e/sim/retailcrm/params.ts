export type Pair = [name: string, value: string];

/** Request parameters in arrival order, read with PHP bracket conventions. */
export class Params {
  constructor(private readonly pairs: readonly Pair[]) {}

  get(name: string): string | undefined {
    let value: string | undefined;
    for (const [key, v] of this.pairs) if (key === name) value = v;
    return value;
  }

  /** Values of `name[]=` and `name[N]=` (both bracket styles clients send for arrays). */
  list(name: string): string[] {
    const indexed = new RegExp(`^${escapeRegExp(name)}\\[\\d*\\]$`);
    return this.pairs.filter(([key]) => indexed.test(key)).map(([, value]) => value);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Flattens pairs for the request log; repeated names are joined with ",". */
export function toRecord(pairs: readonly Pair[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of pairs) record[key] = key in record ? `${record[key]},${value}` : value;
  return record;
}
