// type=upload against the calls and the storage an account has (docs/recordings.md): a recording
// is taken only for a call of the account, held briefly while that call is still to come, and
// within the account's quota (RECORDINGS_QUOTA_BYTES, small here).
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chunkedStream, pcmWav } from "@/e2e/fixtures/audio";
import { createTestAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as eventRoute from "@/app/api/event/route";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

// Before anything reads the configuration: a recordings directory of our own, a quota of 1 MiB.
const { RECORDINGS_DIR, QUOTA } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/recording-uploads-${process.pid}-${Date.now()}`;
  const quota = 1024 * 1024;
  process.env.RECORDINGS_DIR = dir;
  process.env.RECORDINGS_QUOTA_BYTES = String(quota);
  return { RECORDINGS_DIR: dir, QUOTA: quota };
});

let app: Awaited<ReturnType<typeof serveRoutes>>;

beforeAll(async () => {
  expect(env().RECORDINGS_QUOTA_BYTES).toBe(QUOTA);
  app = await serveRoutes({ "/api/event": eventRoute });
});
afterAll(async () => {
  await app.close();
  await rm(RECORDINGS_DIR, { recursive: true, force: true });
});

/** Bytes of every file under the recordings directory, temporary ones included. */
async function diskBytes(): Promise<number> {
  const entries = await readdir(RECORDINGS_DIR, { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries.filter((e) => e.isFile()).map(async (e) => (await stat(path.join(e.parentPath, e.name))).size),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

async function upload(clientId: string, uniqueid: string, body: Buffer | ReadableStream<Uint8Array>) {
  const response = await fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    method: "POST",
    body: body instanceof ReadableStream ? body : new Uint8Array(body),
    headers: { "content-type": "audio/wav" },
    duplex: "half",
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function hangup(clientId: string, uniqueid: string) {
  return fetch(
    `${app.url}/api/event?${new URLSearchParams({ clientId, type: "hangup", uniqueid, phone: "+79001234567" })}`,
  );
}

describe("type=upload and the account's calls", () => {
  it("refuses 20 uploads for uniqueids no call has: nothing is stored and the disk does not grow", async () => {
    const account = await createTestAccount();
    const before = await diskBytes();
    const audio = pcmWav(8000, 16);
    const uniqueids = Array.from({ length: 20 }, (_, i) => `1799000000.${i}`);
    const replies = await Promise.all(uniqueids.map((uniqueid) => upload(account.clientId, uniqueid, audio)));
    expect(replies).toEqual(
      uniqueids.map((uniqueid) => ({
        status: 404,
        body: {
          success: false,
          errorMsg: `no call ${uniqueid} is known to this account: a recording is taken only after its call's hangup (or in/out) was stored`,
        },
      })),
    );
    expect(await db().recording.count({ where: { accountId: account.id } })).toBe(0);
    expect(await db().callEvent.count({ where: { accountId: account.id } })).toBe(0);
    expect(await diskBytes()).toBe(before);
  });

  it("holds an upload while its call is still to come, and takes it once the call is stored", async () => {
    const account = await createTestAccount();
    const pending = upload(account.clientId, "1799000100.1", pcmWav(8000, 1));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await hangup(account.clientId, "1799000100.1")).status).toBe(200);
    expect(await pending).toEqual({
      status: 200,
      body: { success: true, duplicate: false, recordingId: expect.any(Number) },
    });
    const call = await db().call.findFirstOrThrow({ where: { accountId: account.id, uniqueid: "1799000100.1" } });
    expect(await db().recording.findFirst({ where: { accountId: account.id } })).toMatchObject({ callId: call.id });
  });
});

describe("the account's storage quota", () => {
  it("refuses an upload past the quota, declared or streamed, and stores nothing of it; other accounts go on", async () => {
    const account = await createTestAccount();
    const audio = pcmWav(8000, 25);
    for (const uniqueid of ["1799000200.1", "1799000200.2", "1799000200.3", "1799000200.4"])
      await hangup(account.clientId, uniqueid);
    for (const uniqueid of ["1799000200.1", "1799000200.2"])
      expect((await upload(account.clientId, uniqueid, audio)).body).toMatchObject({ success: true, duplicate: false });
    const stored = await db().recording.count({ where: { accountId: account.id } });
    const before = await diskBytes();
    const over = {
      status: 413,
      body: { success: false, errorMsg: `this account's recordings would pass its storage quota of ${QUOTA} bytes` },
    };
    // Its length declared: refused before the body is read.
    expect(await upload(account.clientId, "1799000200.3", audio)).toEqual(over);
    // Chunked: refused once its bytes pass what the quota leaves.
    expect(await upload(account.clientId, "1799000200.4", chunkedStream(audio, 16 * 1024).stream)).toEqual(over);
    expect(await db().recording.count({ where: { accountId: account.id } })).toBe(stored);
    expect(await diskBytes()).toBe(before);

    const other = await createTestAccount();
    await hangup(other.clientId, "1799000200.3");
    expect((await upload(other.clientId, "1799000200.3", audio)).body).toMatchObject({
      success: true,
      duplicate: false,
    });
  });
});
