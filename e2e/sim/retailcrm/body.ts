import type { IncomingMessage } from "node:http";
import type { Pair } from "./params";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Form fields of a urlencoded or multipart body; any other content type yields no fields. */
export function parseForm(contentType: string | undefined, body: Buffer): Pair[] {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return [...new URLSearchParams(body.toString("utf8"))];
  }
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  if (type.startsWith("multipart/form-data") && boundary) {
    return parseMultipart(body, boundary[1] ?? boundary[2] ?? "");
  }
  return [];
}

function parseMultipart(body: Buffer, boundary: string): Pair[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Pair[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === "--") break;
    const end = body.indexOf(delimiter, partStart);
    if (end === -1) break;
    const part = body.subarray(partStart + 2, end - 2); // drop the CRLF after the delimiter and before the next one
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(part.subarray(0, headerEnd).toString("utf8"));
      if (name?.[1] !== undefined) fields.push([name[1], part.subarray(headerEnd + 4).toString("utf8")]);
    }
    start = end;
  }
  return fields;
}
