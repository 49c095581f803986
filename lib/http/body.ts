import { Refusal } from "./refusal";

/** A body larger than its endpoint takes: answered 413 before more of it is read. */
const tooLarge = (maxBytes: number) =>
  new Refusal("body_too_large", `the request body is larger than ${maxBytes} bytes`);

/** The declared length of a body, or null when the sender did not declare one (chunked). */
export function declaredLength(request: Request): number | null {
  const value = request.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
export const LINGER_MS = 30_000;

/**
 * Reads what is left of a body and drops it, for at most LINGER_MS, then cancels it. A reply
 * sent while the client is still sending arrives only if the connection stays open meanwhile:
 * cut at once, the client's TCP stack may drop the reply and report a reset instead (the
 * "lingering close" of HTTP servers). Nothing is kept, so memory stays flat however long the body.
 */
export function discardRest(body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>): void {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = "getReader" in body ? body.getReader() : body;
  } catch {
    return; // Another reader holds it: that reader decides.
  }
  const cut = setTimeout(() => void reader.cancel().catch(() => undefined), LINGER_MS);
  cut.unref();
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // The client went away or the body was cut: either way, nothing is left to drop.
    } finally {
      clearTimeout(cut);
    }
  })();
}

/**
 * Reads a whole body, but never more than `maxBytes` of it: a declared length over the limit
 * is refused before the first byte, and a chunked body once its bytes pass the limit. Nothing
 * beyond the limit is kept in memory; the rest is dropped as it arrives (discardRest).
 */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<Buffer> {
  const declared = declaredLength(request);
  if (declared !== null && declared > maxBytes) {
    if (request.body) discardRest(request.body);
    throw tooLarge(maxBytes);
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      discardRest(reader);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
