import { describe, expect, it } from "vitest";
import { signRecordingPath } from "@/lib/recordings";
import { signTranscriptPath, verifyTranscriptSignature } from "./link";

const SECRET = "8f3c1e0a9b7d5f2e4c6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f";
const CLIENT_ID = "a".repeat(64);

const signatureOf = (path: string) => path.split("/")[3]!;

describe("transcript links", () => {
  it("signs /transcripts/c<call>/<32-char base64url signature>, the same each time", () => {
    const path = signTranscriptPath(42, CLIENT_ID, SECRET);
    expect(path).toMatch(/^\/transcripts\/c42\/[A-Za-z0-9_-]{32}$/);
    expect(signTranscriptPath(42, CLIENT_ID, SECRET)).toBe(path);
    expect(verifyTranscriptSignature(42, signatureOf(path), CLIENT_ID, SECRET)).toBe(true);
  });

  it("rejects forged, altered and misplaced signatures, and another clientId's", () => {
    const sig = signatureOf(signTranscriptPath(42, CLIENT_ID, SECRET));
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    expect(verifyTranscriptSignature(42, flipped, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyTranscriptSignature(43, sig, CLIENT_ID, SECRET)).toBe(false);
    expect(verifyTranscriptSignature(42, sig.slice(0, 31), CLIENT_ID, SECRET)).toBe(false);
    expect(verifyTranscriptSignature(42, "", CLIENT_ID, SECRET)).toBe(false);
    expect(verifyTranscriptSignature(Number.NaN, sig, CLIENT_ID, SECRET)).toBe(false);
    // A rotated clientId revokes the link, as it does recording links.
    expect(verifyTranscriptSignature(42, sig, "b".repeat(64), SECRET)).toBe(false);
    expect(verifyTranscriptSignature(42, sig, CLIENT_ID, `${SECRET}0`)).toBe(false);
  });

  it("is no recording link of the same call, nor the other way round", () => {
    const transcript = signatureOf(signTranscriptPath(42, CLIENT_ID, SECRET));
    const recording = signatureOf(signRecordingPath({ callId: 42 }, CLIENT_ID, SECRET));
    expect(transcript).not.toBe(recording);
    expect(verifyTranscriptSignature(42, recording, CLIENT_ID, SECRET)).toBe(false);
  });
});
