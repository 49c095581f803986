-- SpeechKit's operation of each side of a call, stored as soon as it is started, so that a process
-- killed while SpeechKit works leaves the next one polling it (docs/transcripts.md, «Queue»).
ALTER TABLE "transcripts" ADD COLUMN     "operations" TEXT[] DEFAULT ARRAY[]::TEXT[];
