-- Where a recording's bytes are: every recording stored so far is on the disk of the machine that
-- took it; new ones go to the S3 bucket when one is configured (lib/recordings/stores.ts).
CREATE TYPE "RecordingStore" AS ENUM ('LOCAL', 'S3');
ALTER TABLE "recordings" ADD COLUMN "store" "RecordingStore" NOT NULL DEFAULT 'LOCAL';
