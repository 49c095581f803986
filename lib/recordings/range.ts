/** An inclusive byte range, as in Content-Range. */
export type ByteRange = { start: number; end: number };

/**
 * Reads a Range request header against a resource of `size` bytes. Null means "send it all":
 * no header, another unit, a malformed value, or several ranges (not worth a multipart reply).
 * "unsatisfiable" calls for 416, with a Content-Range that gives only the size.
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  const match = header?.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i);
  if (!match) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}
