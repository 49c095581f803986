import { afterEach, describe, expect, it, vi } from "vitest";
import { chunkedStream } from "@/e2e/fixtures/audio";
import { firstMultipartFile, MULTIPART_HEAD_BYTES } from "./multipart";

const MULTIPART = "multipart/form-data; boundary=zz";
const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => vi.useRealTimers());

describe("firstMultipartFile", () => {
  it("streams the first file's bytes as they arrive", async () => {
    const body = '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF1234\r\n--zz--\r\n';
    const file = await firstMultipartFile(
      new Request("http://bridge.test/", { method: "POST", body, headers: { "content-type": MULTIPART } }),
      1024,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of file.chunks) chunks.push(Buffer.from(chunk));
    file.close();
    expect(Buffer.concat(chunks).toString()).toBe("RIFF1234");
  });

  it("leaves no timer behind for a body that has ended: its keep-alive connection serves the next request", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const request = new Request("http://bridge.test/", {
      method: "POST",
      body: new Uint8Array([251, 7, 253, 2, 240, 169, 4, 2, 87]),
      headers: { "content-type": MULTIPART },
    });
    await expect(firstMultipartFile(request, 1024)).rejects.toMatchObject({ code: "malformed_body" });
    await settle();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("refuses a body whose boundary never comes once the bytes a file may wait for have passed, not at its end", async () => {
    const CHUNK = 64 * 1024;
    // 64 MiB of no multipart at all under a boundary it never reaches, as a hostile upload sends 4 000 MB.
    const { stream, pulled } = chunkedStream(Buffer.alloc(64 * 1024 * 1024, "a"), CHUNK);
    const request = new Request("http://bridge.test/", {
      method: "POST",
      body: stream,
      headers: { "content-type": MULTIPART },
      duplex: "half",
    } as RequestInit);
    const refused = await firstMultipartFile(request, 1024).then(
      () => ({ error: "a file", read: pulled() * CHUNK }),
      (error: Error) => ({ error: error.message, read: pulled() * CHUNK }),
    );
    expect(refused.error).toBe(
      `no file part begins within the first ${MULTIPART_HEAD_BYTES} bytes of the multipart body`,
    );
    // Refused as the limit passed; the rest is then read and dropped for a while, as every refused body is (lib/http/body.ts).
    expect(refused.read).toBeLessThanOrEqual(MULTIPART_HEAD_BYTES + 4 * CHUNK);
  });

  it("refuses a Content-Type without a boundary and leaves the body to be dropped", async () => {
    const { stream } = chunkedStream(Buffer.alloc(1024 * 1024, "a"), 1024);
    const request = new Request("http://bridge.test/", {
      method: "POST",
      body: stream,
      headers: { "content-type": "multipart/form-data" },
      duplex: "half",
    } as RequestInit);
    await expect(firstMultipartFile(request, 1024)).rejects.toMatchObject({ code: "malformed_body" });
    await settle();
    // Not taken by a parser that went away: the route's guard reads and drops it (lib/http/body.ts).
    expect(request.body!.locked).toBe(false);
  });
});
