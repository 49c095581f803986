/** An extension: digits only, as long as any PBX numbering plan. */
const EXTENSION = /^\d{1,10}$/;

/**
 * The extensions in the `code` parameter ("101, 102,,103", or its repeated values): trimmed,
 * empty entries skipped, duplicates removed. Entries that are not extensions are left out of
 * `codes` and listed in `rejected` for the caller to report. No codes means every mapped manager.
 */
export function parseCodes(raw: string | readonly string[]): { codes: string[]; rejected: string[] } {
  const entries = (typeof raw === "string" ? [raw] : raw)
    .flatMap((value) => value.split(","))
    .map((entry) => entry.trim());
  const codes = new Set<string>();
  const rejected: string[] = [];
  for (const entry of entries) {
    if (EXTENSION.test(entry)) codes.add(entry);
    else if (entry) rejected.push(entry);
  }
  return { codes: [...codes], rejected };
}
