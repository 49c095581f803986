const encoder = new TextEncoder();
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The longest prefix of `text` that fits in `maxBytes` bytes of UTF-8, cut between grapheme
 * clusters: never inside a multi-byte character, a surrogate pair or a letter with its accents.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let kept = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = utf8Length(segment);
    if (used + size > maxBytes) break;
    kept += segment;
    used += size;
  }
  return kept;
}
