import { startAlertChecks } from "@/lib/alerts";
import { startCallTracking, type CallTrackingOptions } from "@/lib/call-tracking";
import { startDeliveryWorker, type DeliveryOptions } from "@/lib/delivery";
import { startRecordingWork, type RecordingWorkOptions } from "@/lib/recordings";
import { startTranscriptWork, type TranscriptWorkOptions } from "@/lib/transcripts";

/**
 * The long-running parts of a process, in one place (docs/architecture.md): delivery to the CRMs
 * with the admins' alerts beside it, the accounts' AMI event connections, the recordings'
 * compact copies and retention, the calls' transcripts. A part left out does not run here.
 */
export interface BackgroundParts {
  delivery?: DeliveryOptions;
  /** How often the admins' alerts are checked where delivery runs (ms; docs/crm-features.md). */
  alertEveryMs?: number;
  callTracking?: CallTrackingOptions;
  recordings?: RecordingWorkOptions;
  transcripts?: TranscriptWorkOptions;
}

export interface Background {
  /** The parts running, for the start-up's log line. */
  readonly running: string[];
  stop(): Promise<void>;
}

export async function startBackground(connectionString: string, parts: BackgroundParts): Promise<Background> {
  const started: { name: string; stop(): Promise<void> }[] = [];
  const add = (name: string, part: { stop(): Promise<void> }) => started.push({ name, stop: () => part.stop() });
  try {
    if (parts.delivery) {
      add("delivery", await startDeliveryWorker(connectionString, parts.delivery));
      add("alerts", startAlertChecks(connectionString, parts.alertEveryMs));
    }
    if (parts.callTracking) add("AMI event connections", await startCallTracking(connectionString, parts.callTracking));
    if (parts.recordings) add("recordings", await startRecordingWork(connectionString, parts.recordings));
    if (parts.transcripts) add("transcripts", await startTranscriptWork(connectionString, parts.transcripts));
  } catch (error) {
    await Promise.all(started.map((part) => part.stop()));
    throw error;
  }
  return {
    running: started.map((part) => part.name),
    // The requests in flight finish first; one cut short would be released and sent again anyway.
    stop: async () => void (await Promise.all(started.map((part) => part.stop()))),
  };
}
