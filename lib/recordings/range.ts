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

/**
 * The `length` bytes of a stream that follow its first `skip`, for a store that answered a range
 * with more than was asked (the whole object, or from an earlier byte). The source is cancelled
 * once they are out; one that ends before errs the stream.
 */
export function sliceStream(
  source: ReadableStream<Uint8Array>,
  skip: number,
  length: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let toSkip = skip;
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          controller.error(new Error("the stored recording ended before the range did"));
          return;
        }
        let chunk = value;
        if (toSkip >= chunk.byteLength) {
          toSkip -= chunk.byteLength;
          continue;
        }
        chunk = chunk.subarray(toSkip, toSkip + left);
        toSkip = 0;
        left -= chunk.byteLength;
        controller.enqueue(chunk);
        if (left === 0) {
          controller.close();
          await reader.cancel();
        }
        return;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
