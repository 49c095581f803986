import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { connectAccount, rotateClientId } from "@/lib/accounts";
import { signRecordingPath, verifyRecordingSignature } from "./signed-url";

const SECRET = "8f3c1e0a9b7d5f2e4c6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f";
const CLIENT_ID = "a".repeat(64);

function signatureOf(path: string): string {
  const sig = path.split("/")[3];
  if (sig === undefined) throw new Error(`no signature in ${path}`);
  return sig;
}

describe("recording links", () => {
  it("signs /recordings/<id>/<32-char base64url signature>", () => {
    expect(signRecordingPath({ recordingId: 42 }, CLIENT_ID, SECRET)).toMatch(/^\/recordings\/42\/[A-Za-z0-9_-]{32}$/);
    expect(signRecordingPath({ recordingId: 42 }, CLIENT_ID, SECRET)).toBe(
      signRecordingPath({ recordingId: 42 }, CLIENT_ID, SECRET),
    );
  });

  it("accepts its own signature", () => {
    const sig = signatureOf(signRecordingPath({ recordingId: 42 }, CLIENT_ID, SECRET));
    expect(verifyRecordingSignature({ recordingId: 42 }, sig, CLIENT_ID, SECRET)).toBe(true);
  });

  it("rejects forged, altered and misplaced signatures", () => {
    const sig = signatureOf(signRecordingPath({ recordingId: 42 }, CLIENT_ID, SECRET));
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    expect(verifyRecordingSignature({ recordingId: 42 }, flipped, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 43 }, sig, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 42 }, sig.slice(0, 31), CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 42 }, `${sig}A`, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 42 }, "", CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 42 }, sig, "b".repeat(64), SECRET)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: 42 }, sig, CLIENT_ID, `${SECRET}0`)).toBe(false);
    expect(verifyRecordingSignature({ recordingId: Number.NaN }, sig, CLIENT_ID, SECRET)).toBe(false);
  });

  it("signs a call's link apart from a recording's of the same number", () => {
    const path = signRecordingPath({ callId: 42 }, CLIENT_ID, SECRET);
    expect(path).toMatch(/^\/recordings\/c42\/[A-Za-z0-9_-]{32}$/);
    const sig = signatureOf(path);
    expect(verifyRecordingSignature({ callId: 42 }, sig, CLIENT_ID, SECRET)).toBe(true);
    expect(verifyRecordingSignature({ recordingId: 42 }, sig, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyRecordingSignature({ callId: 43 }, sig, CLIENT_ID, SECRET)).toBe(false);
  });

  describe("clientId rotation", () => {
    let sim: RetailCrmSim;
    beforeAll(async () => {
      sim = await createRetailCrmSim();
      seedDemo(sim);
    });
    afterAll(async () => {
      await sim.close();
    });

    it("revokes every link signed with the old clientId", async () => {
      const account = await connectAccount({ crmUrl: sim.url, apiKey: DEMO.apiKey });
      const links = [1, 2, 3].map((id) => ({
        id,
        sig: signatureOf(signRecordingPath({ recordingId: id }, account.clientId, SECRET)),
      }));
      for (const { id, sig } of links)
        expect(verifyRecordingSignature({ recordingId: id }, sig, account.clientId, SECRET)).toBe(true);

      const rotated = await rotateClientId(account.id);

      for (const { id, sig } of links)
        expect(verifyRecordingSignature({ recordingId: id }, sig, rotated, SECRET)).toBe(false);
      const fresh = signatureOf(signRecordingPath({ recordingId: 1 }, rotated, SECRET));
      expect(verifyRecordingSignature({ recordingId: 1 }, fresh, rotated, SECRET)).toBe(true);
    });
  });
});
