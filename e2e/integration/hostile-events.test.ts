// Hostile input at /api/event in, out and hangup; hostile/world.ts says what every answer is held to.
import "./hostile/env";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ENCODING,
  EVENT_KEYS,
  Transport,
  checkEvent,
  edge,
  expectRefusal,
  expectSoundRows,
  freshUniqueid,
  goodEvent,
  hostile,
  main,
  malformedMultipart,
  mutate,
  mutationArb,
  refuse,
  runs,
  send,
  snapshot,
  transportArb,
  unparseable,
  withIdentity,
  setUpHostileWorld,
} from "./hostile/world";

setUpHostileWorld();

describe("/api/event (in, out, hangup)", () => {
  it("stores every good event, whichever way its parameters travel", async () => {
    await fc.assert(
      fc.asyncProperty(goodEvent, transportArb, async (event, transport) => {
        await checkEvent(withIdentity(event), transport);
      }),
      runs(40),
    );
  });

  it("refuses a hostile clientId, type, uniqueid or phone precisely and stores nothing; cleans or leaves out any other bad parameter, stores the event and says so; ignores unknown ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodEvent,
        fc.array(mutationArb(EVENT_KEYS), { minLength: 1, maxLength: 3 }),
        transportArb,
        async (event, mutations, transport) => {
          await checkEvent(mutate(withIdentity(event), mutations), transport);
        },
      ),
      runs(150),
    );
  });

  it("reads bad percent-encoding in the query as the URL standard does, and answers it precisely", async () => {
    const fragment = fc
      .array(
        fc.constantFrom(
          ...ENCODING,
          "phone=%zz",
          "code=1%2C2",
          "status=%00",
          "type=%69n",
          "clientId=%",
          "uniqueid=%31.%32",
          "path=http%3A%2F%2Fx%00",
          "&&",
          "=x",
          "date=2026-01-01%2010:00:00",
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => parts.join("&"));
    await fc.assert(
      fc.asyncProperty(
        goodEvent,
        fragment,
        fc.constantFrom<Transport>({ kind: "get" }, { kind: "post-query" }),
        async (event, raw, transport) => {
          await checkEvent(withIdentity(event), transport, raw);
        },
      ),
      runs(30),
    );
  });

  it("answers a repeated event as a duplicate and stores it once, whichever way each copy travels", async () => {
    await fc.assert(
      fc.asyncProperty(goodEvent, transportArb, transportArb, async (event, first, second) => {
        const pairs = withIdentity(event);
        await checkEvent(pairs, first);
        await checkEvent(pairs, second);
      }),
      runs(10),
    );
  });

  it("refuses an unknown or malformed clientId with 401 (400 when longer than 128), storing nothing", async () => {
    const clientIds = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }),
      hostile.filter((v) => v.length <= 128),
      edge("clientId"),
      fc.constantFrom(
        main.clientId.toUpperCase(),
        `${main.clientId} `,
        ` ${main.clientId}`,
        `${main.clientId}\u0000`,
        main.clientId.slice(1),
        `${main.clientId}0`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(goodEvent, clientIds, transportArb, async (event, clientId, transport) => {
        fc.pre(clientId !== main.clientId);
        await checkEvent(mutate(withIdentity(event), [{ kind: "set", key: "clientId", value: clientId }]), transport);
      }),
      runs(40),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const before = await snapshot();
        const reply = await send(
          `/api/event?${new URLSearchParams({ clientId: main.clientId, type: "in", uniqueid: freshUniqueid(), phone: "+79001234567" })}`,
          {
            method: "POST",
            body,
            headers: { "content-type": contentType },
          },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), {
          contentType,
          body: body.toString(),
        });
        expect(await snapshot()).toEqual(before);
      }),
      runs(10),
    );
  });
});

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
