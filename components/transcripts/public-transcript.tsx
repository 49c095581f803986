import type { PublicTranscript } from "@/lib/transcripts";

/** A call's transcript on its public page (docs/transcripts.md, «Note»), in the account's language. */
export function PublicTranscriptView({ transcript }: { transcript: PublicTranscript }) {
  return (
    <main className="page" lang={transcript.locale}>
      <h1>{transcript.title}</h1>
      {transcript.summary ? (
        <section>
          <h2>{transcript.summaryTitle}</h2>
          <p className="transcript-summary">{transcript.summary}</p>
        </section>
      ) : null}
      <section>
        <h2>{transcript.dialogueTitle}</h2>
        <ul className="transcript-lines">
          {transcript.lines.map((line, index) => (
            <li key={index}>{line}</li>
          ))}
        </ul>
      </section>
    </main>
  );
}
