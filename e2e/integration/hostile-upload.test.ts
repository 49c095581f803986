// Hostile input at /api/event type=upload; hostile/world.ts says what every answer is held to.
import "./hostile/env";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { db } from "@/lib/db/client";
import { id3Mp3, pcmWav } from "@/e2e/fixtures/audio";
import { SNIFF_BYTES, sniffAudio } from "@/lib/recordings";
import {
  Expected,
  JUNK_KEYS,
  MAX_BYTES,
  MAX_QUERY,
  SHELL,
  SQL,
  TRAVERSAL,
  Transport,
  encode,
  endCall,
  eventContract,
  expectRefusal,
  expectSoundRows,
  freshUniqueid,
  hostile,
  jsonOf,
  lastWins,
  main,
  malformedMultipart,
  multipartBody,
  mutate,
  mutationArb,
  recordingFiles,
  refuse,
  runs,
  send,
  snapshot,
  uploadVerdict,
  setUpHostileWorld,
} from "./hostile/world";

setUpHostileWorld();

describe("/api/event type=upload", () => {
  const audio = fc.oneof(
    fc.integer({ min: 1, max: 3 }).map((n) => pcmWav(8000, n / 4)),
    fc.constant(id3Mp3()),
    fc
      .uint8Array({ minLength: 20, maxLength: 2000 })
      .map((tail) => Buffer.concat([Buffer.from("OggS\u0000\u0002", "latin1"), Buffer.from(tail)])),
  );
  const notAudio = fc
    .oneof(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((b) => Buffer.from(b)),
      fc
        .constantFrom(
          ...TRAVERSAL,
          ...SHELL,
          ...SQL,
          "<?php system($_GET['c']); ?>",
          "RIFF",
          "OggS",
          "ID3",
          "#!/bin/sh\nreboot\n",
        )
        .map((s) => Buffer.from(s)),
    )
    .filter((b) => b.length < SNIFF_BYTES || !sniffAudio(b.subarray(0, SNIFF_BYTES)));
  const oversized = fc
    .oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 70 * 1024, max: 140 * 1024 }))
    .map((extra) => Buffer.concat([pcmWav(8000, 1).subarray(0, 44), Buffer.alloc(MAX_BYTES - 44 + extra, 1)]));
  const filename = fc.oneof(
    fc.constantFrom(...TRAVERSAL, "record.wav", "", "a\u0000b.wav", "\u202evaw.exe", "CON.wav", "x".repeat(2000)),
    hostile,
  );

  type Body =
    | { kind: "audio"; bytes: Buffer; multipart: boolean }
    | { kind: "empty"; multipart: boolean }
    | { kind: "not-audio"; bytes: Buffer; multipart: boolean }
    | { kind: "oversized"; bytes: Buffer }
    | { kind: "no-file" }
    | { kind: "malformed"; contentType: string; body: Buffer }
    | { kind: "get" };
  const bodyArb: fc.Arbitrary<Body> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(audio, fc.boolean()).map(([bytes, multipart]): Body => ({ kind: "audio", bytes, multipart })),
    },
    { weight: 1, arbitrary: fc.boolean().map((multipart): Body => ({ kind: "empty", multipart })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(notAudio, fc.boolean())
        .map(([bytes, multipart]): Body => ({ kind: "not-audio", bytes, multipart })),
    },
    { weight: 1, arbitrary: oversized.map((bytes): Body => ({ kind: "oversized", bytes })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "no-file" }) },
    { weight: 1, arbitrary: malformedMultipart.map((m): Body => ({ kind: "malformed", ...m })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "get" }) },
  );
  const rawContentType = fc.constantFrom<string | undefined>(
    undefined,
    "application/octet-stream",
    "audio/wav",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json",
    "",
  );

  it("stores audio once whatever its file name says, and refuses empty, non-audio, oversized, file-less and malformed bodies precisely", async () => {
    // Calls given a recording in this run: a mutation may name one again (a constant uniqueid
    // such as "."), and a call whose recording stays answers `duplicate` before its body is read
    // (lib/recordings/upload.ts), which the last step of each run checks.
    const recorded = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        filename,
        fc.array(fc.tuple(fc.constantFrom(...JUNK_KEYS, "file", "name"), hostile), { maxLength: 3 }),
        rawContentType,
        fc.option(fc.array(mutationArb(["clientId", "uniqueid", "phone", "status"]), { maxLength: 1 })),
        async (body, name, fields, contentType, mutations) => {
          const uniqueid = freshUniqueid();
          const pairs = mutate(
            [
              ["clientId", main.clientId],
              ["type", "upload"],
              ["uniqueid", uniqueid],
            ],
            mutations ?? [],
          );
          fc.pre(!pairs.some(([k, v]) => k === "type" && v !== "upload"));
          const url = `/api/event?${new URLSearchParams(pairs.map(([k, v]) => [k, v]))}`;
          // The recording's parameters travel in the query only: one too long for the HTTP server is its 431 (tested apart).
          fc.pre(url.length <= MAX_QUERY);
          const params = lastWins([...new URL(url, "http://x").searchParams]);
          let init: Parameters<typeof send>[1];
          let expected: Expected = eventContract(params).expected;
          fc.pre(!expected.ok || !recorded.has(params.uniqueid!.trim()));
          // The recording of a call whose hangup came first, as event.sh sends them.
          if (expected.ok) await endCall(params.uniqueid!.trim());
          const multipartOf = (bytes: Uint8Array) => {
            const built = multipartBody(fields, { field: "file", filename: name, bytes });
            return { method: "POST" as const, body: built.body, headers: { "content-type": built.contentType } };
          };
          const notMultipart = "the request body is not valid multipart/form-data (curl -F file=@record.wav)";
          // A form whose fields the parser refuses before the file is refused as a whole.
          const probe = multipartOf(new Uint8Array([1]));
          const fieldsRefused =
            (body.kind === "audio" || body.kind === "empty" || body.kind === "not-audio") &&
            body.multipart &&
            (await uploadVerdict(probe.headers["content-type"], probe.body)) === "malformed";
          if (expected.ok && fieldsRefused) expected = refuse(400, notMultipart);
          const raw = (bytes: Uint8Array) => ({
            method: "POST" as const,
            body: bytes,
            headers: (contentType === undefined ? {} : { "content-type": contentType }) as Record<string, string>,
          });
          switch (body.kind) {
            case "audio":
              init = body.multipart ? multipartOf(body.bytes) : raw(body.bytes);
              break;
            case "empty":
              init = body.multipart ? multipartOf(new Uint8Array()) : raw(new Uint8Array());
              if (expected.ok)
                expected = refuse(
                  400,
                  body.multipart
                    ? "the recording is empty"
                    : /^(the recording is empty|type=upload needs the recording in the request body)$/,
                );
              break;
            case "not-audio":
              init = body.multipart ? multipartOf(body.bytes) : raw(body.bytes);
              if (expected.ok) expected = refuse(415, "the recording must be WAV, MP3 or OGG audio");
              break;
            case "oversized":
              init = raw(body.bytes);
              if (expected.ok) expected = refuse(413, `the recording is larger than ${MAX_BYTES} bytes`);
              break;
            case "no-file": {
              const built = multipartBody(fields.length ? fields : [["file", "not a file"]]);
              init = { method: "POST", body: built.body, headers: { "content-type": built.contentType } };
              const verdict = await uploadVerdict(built.contentType, built.body);
              if (expected.ok)
                expected = refuse(
                  400,
                  verdict === "malformed"
                    ? notMultipart
                    : "type=upload needs the recording as a file field (curl -F file=@record.wav)",
                );
              break;
            }
            case "malformed": {
              const verdict = await uploadVerdict(body.contentType, body.body);
              fc.pre(verdict !== "file");
              init = { method: "POST", body: body.body, headers: { "content-type": body.contentType } };
              if (expected.ok)
                expected = refuse(
                  400,
                  verdict === "malformed"
                    ? notMultipart
                    : "type=upload needs the recording as a file field (curl -F file=@record.wav)",
                );
              break;
            }
            case "get":
              init = { method: "GET" };
              if (expected.ok) expected = refuse(400, "type=upload needs the recording in the request body");
              break;
          }
          const before = await snapshot();
          const filesBefore = await recordingFiles();
          const reply = await send(url, init);
          const context = { body: body.kind, name, fields, contentType, pairs };
          if (!expected.ok) {
            expectRefusal(reply, expected, context);
            expect(await snapshot()).toEqual(before);
            expect(await recordingFiles()).toEqual(filesBefore);
            return;
          }
          const answer = jsonOf(reply) as { recordingId?: number };
          expect({ status: reply.status, body: answer }, JSON.stringify(context)).toEqual({
            status: 200,
            body: { success: true, duplicate: false, recordingId: expect.any(Number) },
          });
          expect(await snapshot()).toEqual({ ...before, recordings: before.recordings + 1, events: before.events + 1 });
          const stored = await db().recording.findUniqueOrThrow({ where: { id: answer.recordingId! } });
          const bytes = body.kind === "audio" ? body.bytes : Buffer.alloc(0);
          expect(stored).toMatchObject({
            accountId: main.id,
            uniqueid: params.uniqueid!.trim(),
            sizeBytes: bytes.length,
          });
          expect((await recordingFiles()).size).toBe(filesBefore.size + 1);
          recorded.add(stored.uniqueid);
          // The same upload again changes nothing.
          const again = await send(url, body.kind === "audio" && body.multipart ? multipartOf(bytes) : raw(bytes));
          expect([again.status, jsonOf(again)]).toEqual([200, { success: true, duplicate: true }]);
          expect(await snapshot()).toEqual({ ...before, recordings: before.recordings + 1, events: before.events + 1 });
        },
      ),
      runs(50),
    );
  });

  it("refuses type=upload given in a form body, whose body then holds no recording", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Transport>(
          { kind: "urlencoded", contentType: "application/x-www-form-urlencoded" },
          { kind: "multipart" },
          { kind: "split", at: 2 },
        ),
        async (transport) => {
          const request = encode(
            "/api/event",
            [
              ["clientId", main.clientId],
              ["uniqueid", freshUniqueid()],
              ["type", "upload"],
            ],
            transport,
          );
          const before = await snapshot();
          const reply = await send(request.url, request.init);
          expectRefusal(
            reply,
            refuse(
              400,
              "type=upload takes its parameters from the query string; the request body must be the recording",
            ),
            transport,
          );
          expect(await snapshot()).toEqual(before);
        },
      ),
      runs(6),
    );
  });
});

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
