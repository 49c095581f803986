import { Readable } from "node:stream";
import busboy from "busboy";
import { LINGER_MS } from "./body";

/** Why a multipart body gave no file: answered 400 with the message. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

export interface MultipartFile {
  /** The file's bytes as they arrive; parsing waits while they are not read (back-pressure). A body cut short or malformed after the file began fails with MultipartError. */
  chunks: AsyncIterable<Uint8Array>;
  /** Stops reading the request: call it once the file is stored or refused. */
  close(): void;
}

const NOT_MULTIPART = "the request body is not valid multipart/form-data";
export const NO_FILE = "no file in the multipart body";

async function* malformedAsMultipartError(stream: Readable): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch {
    throw new MultipartError(NOT_MULTIPART);
  }
}

/**
 * The first file of a multipart/form-data body, streamed: nothing of it is buffered beyond the
 * parser's chunk, so the caller enforces its size limit as the bytes arrive. A body that ends
 * without a file, or is not multipart at all, rejects with MultipartError. `maxFileBytes` stops
 * the parser one byte past the caller's limit, so that the caller still sees it exceeded.
 */
export function firstMultipartFile(request: Request, maxFileBytes: number): Promise<MultipartFile> {
  const source = request.body ? Readable.fromWeb(request.body as import("node:stream/web").ReadableStream) : null;
  return new Promise<MultipartFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": request.headers.get("content-type") ?? "" },
        limits: { files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 20, fileSize: maxFileBytes + 1 },
      });
    } catch {
      reject(new MultipartError(NOT_MULTIPART));
      return;
    }
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
      resolve({ chunks: malformedAsMultipartError(stream), close });
    });
    parser.on("error", () => {
      close();
      reject(new MultipartError(NOT_MULTIPART));
    });
    parser.on("close", () => {
      if (!found) reject(new MultipartError(NO_FILE));
    });
    if (!source) {
      parser.end();
      return;
    }
    source.on("error", (error) => parser.destroy(error));
    source.pipe(parser);
  });
}
