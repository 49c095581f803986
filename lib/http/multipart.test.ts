import { afterEach, describe, expect, it, vi } from "vitest";
import { firstMultipartFile, MultipartError } from "./multipart";

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
    await expect(firstMultipartFile(request, 1024)).rejects.toThrow(MultipartError);
    await settle();
    expect(vi.getTimerCount()).toBe(0);
  });
});
