// Hostile input at /api/manager; hostile/world.ts says what every answer is held to.
import "./hostile/env";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ENCODING,
  Expected,
  OK,
  PHONE_CHARS,
  Pairs,
  Params,
  dialplanPhone,
  expectSoundRows,
  get,
  jsonOf,
  lastWins,
  len,
  main,
  mutate,
  mutationArb,
  refuse,
  runs,
  send,
  snapshot,
  trimmed,
  withIdentity,
  setUpHostileWorld,
} from "./hostile/world";

setUpHostileWorld();

describe("/api/manager", () => {
  /** /api/manager's contract (docs/dialplan-api.md): the first parameter it refuses, or a lookup. */
  function managerContract(p: Params): Expected {
    const clientId = get(p, "clientId");
    if (!clientId) return refuse(400, "parameter clientId is required");
    if (len(clientId) > 128) return refuse(400, "parameter clientId is too long");
    const phone = trimmed(get(p, "phone"));
    if (!phone) return refuse(400, "parameter phone is required");
    if (len(phone) > 64) return refuse(400, "parameter phone is too long");
    if (!PHONE_CHARS.test(phone)) return refuse(400, "parameter phone has characters a phone number cannot have");
    if (!["json", "text"].includes(get(p, "type") ?? "")) return refuse(400, "parameter type must be json or text");
    if (clientId !== main.clientId) return refuse(401, "unknown clientId");
    return OK;
  }

  async function checkManager(pairs: Pairs, rawQuery = "") {
    const query = [new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString(), rawQuery].filter(Boolean).join("&");
    fc.pre(query.length <= 12_000);
    const url = `/api/manager?${query}`;
    const p = lastWins([...new URL(url, "http://x").searchParams]);
    const expected = managerContract(p);
    const format = get(p, "type") === "text" ? "text" : "json";
    const before = await snapshot();
    const reply = await send(url);
    const context = JSON.stringify({ pairs, rawQuery });
    expect(reply.headers.get("content-type"), context).toBe(
      format === "text" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    );
    expect(reply.body.length).toBeLessThan(1024);
    if (expected.ok) {
      expect(reply.status, context).toBe(200);
      if (format === "text") expect(reply.text).toMatch(/^[^,\n\r]*,\d*$/);
      else
        expect(jsonOf(reply)).toEqual({
          result: { callerId: expect.any(String), phone: expect.stringMatching(/^\d*$/) },
        });
      if (trimmed(p.phone) === "+79001234567")
        expect(reply.text).toBe(
          format === "text" ? "Иван Иванов,101" : '{"result":{"callerId":"Иван Иванов","phone":"101"}}',
        );
    } else {
      expect(
        { status: reply.status, error: decodeURIComponent(reply.headers.get("x-bridge-error") ?? "") },
        context,
      ).toEqual({ status: expected.status, error: expected.error });
      expect(reply.text).toBe(
        format === "text" ? "," : JSON.stringify({ result: { callerId: "", phone: "" }, error: expected.error }),
      );
    }
    expect(await snapshot()).toEqual(before);
  }

  const goodQuery = fc
    .tuple(
      fc.oneof(dialplanPhone, fc.constantFrom("+79001234567", "89001234567", "+7 (900) 123-45-67")),
      fc.constantFrom("json", "text"),
      fc.nat(2),
    )
    .map(([phone, type, order]): Pairs => {
      const pairs: [string, string][] = [
        ["clientId", "@clientId@"],
        ["phone", phone],
        ["type", type],
      ];
      return [...pairs.slice(order), ...pairs.slice(0, order)];
    });

  it("answers every good lookup with the caller's name and extension in the asked format", async () => {
    await fc.assert(
      fc.asyncProperty(goodQuery, async (pairs) => checkManager(withIdentity(pairs))),
      runs(30),
    );
  });

  it("refuses hostile, missing and repeated parameters with the precise status, the message in X-Bridge-Error, and empty values in the body", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodQuery,
        fc.array(mutationArb(["clientId", "phone", "type"]), { minLength: 1, maxLength: 3 }),
        async (pairs, mutations) => {
          await checkManager(mutate(withIdentity(pairs), mutations));
        },
      ),
      runs(120),
    );
  });

  it("reads bad percent-encoding as the URL standard does", async () => {
    const fragment = fc
      .array(
        fc.constantFrom(
          ...ENCODING,
          "phone=%zz",
          "phone=%2B7900%00",
          "type=%74ext",
          "type=te%78",
          "clientId=%",
          "&&",
          "=x",
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => parts.join("&"));
    await fc.assert(
      fc.asyncProperty(goodQuery, fragment, async (pairs, raw) => checkManager(withIdentity(pairs), raw)),
      runs(30),
    );
  });

  it("answers a request line too long for the HTTP server with 431, not a 5xx", async () => {
    const reply = await send(
      `/api/manager?${new URLSearchParams({ clientId: main.clientId, type: "json", phone: "1".repeat(20_000) })}`,
    );
    expect(reply.status).toBe(431);
  });
});

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
