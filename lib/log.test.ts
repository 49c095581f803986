import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger("info", stream), lines };
}

describe("log redaction", () => {
  it("writes structured JSON without keys, passwords, client ids or cookies", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        apiKey: "K-SECRET-1",
        account: { apiKey: "K-SECRET-2", clientId: "C-SECRET-3", crmUrl: "https://demo.retailcrm.ru" },
        ami: { secret: "A-SECRET-4", password: "P-SECRET-5" },
        request: {
          headers: { cookie: "session=S-SECRET-6", "x-api-key": "K-SECRET-7", authorization: "Bearer T-SECRET-8" },
        },
      },
      "connecting",
    );
    const line = lines.join("");
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.msg).toBe("connecting");
    expect(parsed.level).toBe(30);
    expect(line).toContain("https://demo.retailcrm.ru");
    for (const secret of [
      "K-SECRET-1",
      "K-SECRET-2",
      "C-SECRET-3",
      "A-SECRET-4",
      "P-SECRET-5",
      "S-SECRET-6",
      "K-SECRET-7",
      "T-SECRET-8",
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain("[redacted]");
  });
});
