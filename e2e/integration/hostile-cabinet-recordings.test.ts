// Hostile input at /account, the recording links and /data/event.sh; hostile/world.ts says what every answer is held to.
import "./hostile/env";
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as recordingRoute from "@/app/recordings/[id]/[sig]/route";
import { cabinetUrl } from "@/lib/accounts";
import { decryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { recordingUrl } from "@/lib/recordings";
import { pcmWav } from "@/e2e/fixtures/audio";
import {
  JUNK_KEYS,
  MAX_QUERY,
  OK,
  app,
  crm,
  edge,
  encode,
  endCall,
  expectRefusal,
  expectSoundRows,
  freshSource,
  freshUniqueid,
  get,
  hostile,
  jsonOf,
  lastWins,
  main,
  malformedMultipart,
  refuse,
  runs,
  send,
  snapshot,
  transportArb,
  unparseable,
  wire,
  withIdentity,
  withinBodyLimit,
  setUpHostileWorld,
} from "./hostile/world";

setUpHostileWorld();

describe("/account (accountUrl)", () => {
  it("opens the cabinet only for the account's clientId with its current link's token, once, and sends anything else to the login page without a session", async () => {
    const clientId = fc.oneof(fc.constant("@clientId@"), hostile, edge("clientId"), fc.constant(""));
    const token = fc.oneof({ weight: 3, arbitrary: fc.constant("@token@") }, hostile, fc.constant(""));
    const currentToken = async () =>
      decryptSecret((await db().account.findUniqueOrThrow({ where: { id: main.id } })).cabinetTokenEnc!);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("clientId", "clientId", "token", ...JUNK_KEYS), clientId), { maxLength: 3 }),
        fc.array(fc.tuple(fc.constant("token"), token), { maxLength: 2 }),
        transportArb,
        async (pairs, tokens, transport) => {
          const current = await currentToken();
          const request = encode(
            "/account",
            [...withIdentity(pairs), ...tokens.map(([k, v]) => [k, v === "@token@" ? current : v] as const)],
            transport,
          );
          const wanted = get(request.params, "clientId");
          const before = await snapshot();
          const reply = await send(request.url, request.init);
          const base = env().PUBLIC_URL;
          const expected = withinBodyLimit(request, OK);
          if (!expected.ok) {
            expectRefusal(reply, expected, { transport });
            expect(await snapshot()).toEqual(before);
            return;
          }
          const signsIn = wanted === main.clientId && get(request.params, "token") === current;
          const location = !wanted
            ? `${base}/login?error=missing-client`
            : wanted !== main.clientId
              ? `${base}/login?error=unknown-client`
              : signsIn
                ? `${base}/cabinet/phones`
                : `${base}/login?error=stale-link`;
          expect(
            { status: reply.status, location: reply.headers.get("location") },
            JSON.stringify({ pairs, tokens, transport }).slice(0, 2000),
          ).toEqual({ status: 303, location });
          if (signsIn) {
            expect(reply.headers.get("set-cookie")).toMatch(/^next-auth\.session-token=[^;]+;.*HttpOnly/i);
            // The link just used is dead, and the CRM holds the next one.
            const next = await currentToken();
            expect(next).not.toBe(current);
            expect(
              crm.state.modules.get((await db().account.findUniqueOrThrow({ where: { id: main.id } })).moduleCode)
                ?.accountUrl,
            ).toBe(cabinetUrl(next));
          } else {
            expect(reply.headers.get("set-cookie")).toBeNull();
            expect(await currentToken()).toBe(current);
          }
          expect(await snapshot()).toEqual(before);
        },
      ),
      runs(50),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send("/account", { method: "POST", body, headers: { "content-type": contentType } });
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/recordings/<id>/<signature>", () => {
  let link: { id: number; path: string; bytes: Buffer };

  beforeAll(async () => {
    const bytes = pcmWav(8000, 1);
    const uniqueid = freshUniqueid();
    await endCall(uniqueid);
    const reply = await send(
      `/api/event?${new URLSearchParams({ clientId: main.clientId, type: "upload", uniqueid })}`,
      { method: "POST", body: bytes },
    );
    const { recordingId } = jsonOf(reply) as { recordingId: number };
    link = { id: recordingId, path: new URL(recordingUrl({ recordingId }, main.clientId)).pathname, bytes };
  });

  /** RFC 9110 §14: one satisfiable range is 206, a range past the end 416, anything else the whole file. */
  function rangeOf(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
    const match = header?.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i);
    if (!match || (match[1] === "" && match[2] === "")) return null;
    if (match[1] === "") {
      const suffix = Number(match[2]);
      return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
    }
    const start = Number(match[1]);
    if (match[2] !== "" && Number(match[2]) < start) return null;
    if (start >= size) return "unsatisfiable";
    return { start, end: match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1) };
  }

  it("streams the recording to its link with any Range header: 200, 206 or 416, with the right bytes", async () => {
    const range = fc.oneof(
      fc.constant(undefined),
      fc
        .tuple(fc.option(fc.nat(20_000), { nil: undefined }), fc.option(fc.nat(20_000), { nil: undefined }))
        .map(([a, b]) => `bytes=${a ?? ""}-${b ?? ""}`),
      fc.constantFrom(
        "bytes=0-0",
        "bytes=-0",
        "bytes=0-",
        "bytes=-1",
        "bytes=99999999999999999999-",
        "bytes=0-99999999999999999999",
        "bytes=1-2,3-4",
        "items=0-1",
        "bytes=a-b",
        "bytes= 1 - 2 ",
        "BYTES=0-1",
        "bytes=-",
        "",
      ),
      hostile.filter((h) => /^[\t\x20-\x7e]*$/.test(h)),
    );
    await fc.assert(
      fc.asyncProperty(range, async (header) => {
        const reply = await send(link.path, { headers: header === undefined ? {} : { range: header } });
        const size = link.bytes.length;
        const expected = rangeOf(header, size);
        const context = JSON.stringify(header);
        if (expected === "unsatisfiable") {
          expect([reply.status, reply.headers.get("content-range")], context).toEqual([416, `bytes */${size}`]);
        } else if (expected === null) {
          expect(reply.status, context).toBe(200);
          expect(reply.body.equals(link.bytes)).toBe(true);
        } else {
          expect([reply.status, reply.headers.get("content-range")], context).toEqual([
            206,
            `bytes ${expected.start}-${expected.end}/${size}`,
          ]);
          expect(reply.body.equals(link.bytes.subarray(expected.start, expected.end + 1))).toBe(true);
        }
      }),
      runs(40),
    );
  });

  it("answers 404 to any other id or signature, also ones no recording id can be", async () => {
    const segment = fc.oneof(
      hostile,
      fc.constantFrom(
        "0",
        "-1",
        "1.0",
        "01",
        "2147483647",
        "2147483648",
        "9999999999",
        "99999999999",
        "1e3",
        " 1",
        "%2F",
      ),
      fc.nat().map(String),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.oneof(segment, fc.constant(link.path.split("/")[3]!)), async (id, sig) => {
        fc.pre(id.trim() !== "" && sig.trim() !== "" && !(id === String(link.id) && sig === link.path.split("/")[3]));
        const path = `/recordings/${encodeURIComponent(wire(id))}/${encodeURIComponent(wire(sig))}`;
        const reply = await send(path);
        // Node's HTTP server refuses a request line longer than its header limit (16 KiB) itself.
        if (reply.status === 431) expect(path.length, JSON.stringify({ id, sig })).toBeGreaterThan(10_000);
        else expect([reply.status, reply.text], JSON.stringify({ id, sig })).toEqual([404, "Not found"]);
      }),
      runs(50),
    );
  });

  it("answers 404 to segments with bad percent-encoding, lone surrogates and NUL (as the route receives them)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostile, fc.constantFrom("%E0%A4%A", "%", "%zz", "\ud800")),
        fc.oneof(hostile, fc.constant("%ff")),
        async (id, sig) => {
          const response = await recordingRoute.GET(
            new Request(`${app.url}/recordings/x/y`, { headers: { "x-forwarded-for": freshSource() } }),
            { params: Promise.resolve({ id, sig }) },
          );
          expect(response.status, JSON.stringify({ id, sig })).toBe(404);
        },
      ),
      runs(40),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/data/event.sh", () => {
  // Without a clientId the route asks for the cabinet session, which needs Next's request scope:
  // that case is the Playwright suite's.
  const clientId = fc.oneof(
    fc.constant("@clientId@"),
    hostile.filter((v) => v !== ""),
    edge("clientId").filter((v) => v !== ""),
  );

  async function checkEventSh(values: string[]) {
    const pairs = withIdentity(values.map((v) => ["clientId", v] as const));
    const query = new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString();
    fc.pre(query.length <= MAX_QUERY);
    const wanted = lastWins([...new URLSearchParams(query)]).clientId;
    fc.pre(wanted !== "");
    const reply = await send(`/data/event.sh?${query}`);
    if (wanted === main.clientId) {
      expect(reply.status, JSON.stringify(values)).toBe(200);
      expect(reply.text).toContain(`\nCLIENTID="${main.clientId}"\n`);
    } else {
      expect([reply.status, reply.text], JSON.stringify(values)).toEqual([404, "unknown clientId\n"]);
    }
  }

  it("serves the script only for the account's clientId and 404 for any other", async () => {
    await fc.assert(
      fc.asyncProperty(clientId, async (value) => checkEventSh([value])),
      runs(30),
    );
  });

  it("takes a repeated clientId with its last value, as every other endpoint does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clientId, { minLength: 2, maxLength: 2 }), async (values) => {
        await checkEventSh(values);
      }),
      runs(30),
    );
  });
});

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
