import { Readable } from "node:stream";
import busboy from "busboy";
import { LINGER_MS } from "./body";
import { Refusal } from "./refusal";

export interface MultipartFile {
  /** The file's bytes as they arrive; parsing waits while they are not read (back-pressure). A body cut short or malformed after the file began fails with a malformed_body Refusal. */
  chunks: AsyncIterable<Uint8Array>;
  /** Stops reading the request: call it once the file is stored or refused. */
  close(): void;
}

const NOT_MULTIPART = "the request body is not valid multipart/form-data";
export const NO_FILE = "no file in the multipart body";

/**
 * What a multipart body may hold before its file begins: a boundary, part headers and a few small
 * fields. A body whose file has not begun by then (its boundary never comes) is refused there,
 * not read to its end however long it is.
 */
export const MULTIPART_HEAD_BYTES = 64 * 1024;
const NO_FILE_IN_HEAD = `no file part begins within the first ${MULTIPART_HEAD_BYTES} bytes of the multipart body`;

/** Why a multipart body gave no file: answered 400 with the message. */
const malformed = (message: string) => new Refusal("malformed_body", message);

async function* malformedAsRefusal(stream: Readable): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch {
    throw malformed(NOT_MULTIPART);
  }
}

/**
 * The first file of a multipart/form-data body, streamed: nothing of it is buffered beyond the
 * parser's chunk, so the caller enforces its size limit as the bytes arrive. A body that ends
 * without a file, has none within MULTIPART_HEAD_BYTES, or is not multipart at all, is refused
 * (malformed_body); a Content-Type without a boundary does so before the body is touched, which is
 * left to the caller to drop. `maxFileBytes` stops the parser one byte past the caller's limit, so
 * that the caller still sees it exceeded.
 */
export function firstMultipartFile(request: Request, maxFileBytes: number): Promise<MultipartFile> {
  return new Promise<MultipartFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": request.headers.get("content-type") ?? "" },
        limits: { files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 20, fileSize: maxFileBytes + 1 },
      });
    } catch {
      reject(malformed(NOT_MULTIPART));
      return;
    }
    const source = request.body ? Readable.fromWeb(request.body as import("node:stream/web").ReadableStream) : null;
    let found = false;
    // The rest of the body is read and dropped (as discardRest does), not cut: a reply sent while the
    // client is still sending only arrives if the connection stays open.
    // Cut only a body still arriving: destroying one that has ended would close its keep-alive
    // connection under whatever request came next on it.
    const close = () => {
      if (!source) return;
      source.unpipe(parser);
      parser.destroy();
      if (source.readableEnded || source.destroyed) return;
      source.resume();
      const cut = setTimeout(() => source.destroy(), LINGER_MS);
      cut.unref();
      for (const done of ["end", "close"] as const) source.once(done, () => clearTimeout(cut));
    };
    parser.on("file", (_name, stream) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ chunks: malformedAsRefusal(stream), close });
    });
    parser.on("error", () => {
      close();
      reject(malformed(NOT_MULTIPART));
    });
    parser.on("close", () => {
      if (!found) reject(malformed(NO_FILE));
    });
    if (!source) {
      parser.end();
      return;
    }
    source.on("error", (error) => parser.destroy(error));
    source.pipe(parser);
    // After the pipe's own listener, so that a chunk that begins the file has been parsed first.
    let head = 0;
    const countHead = (chunk: Buffer) => {
      if (found) {
        source.off("data", countHead);
        return;
      }
      head += chunk.length;
      if (head <= MULTIPART_HEAD_BYTES) return;
      source.off("data", countHead);
      close();
      reject(malformed(NO_FILE_IN_HEAD));
    };
    source.on("data", countHead);
  });
}
