import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PublicTranscriptView } from "@/components/transcripts/public-transcript";
import { publicTranscript } from "@/lib/transcripts";

export const dynamic = "force-dynamic";

// A link given to the CRM's users: never to be indexed or its address passed on.
export const metadata: Metadata = { robots: { index: false, follow: false }, referrer: "no-referrer" };

/** A call's whole transcript, opened from its note in the CRM without a session (docs/transcripts.md, «Note»). */
export default async function TranscriptPage({ params }: { params: Promise<{ id: string; sig: string }> }) {
  const { id, sig } = await params;
  const transcript = await publicTranscript(id, sig);
  if (!transcript) notFound();
  return <PublicTranscriptView transcript={transcript} />;
}
