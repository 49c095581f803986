-- A missed call's transcript into its call-back task's commentary (docs/transcripts.md, «Task
-- commentary»): the task is made at hangup, before the transcript exists.
ALTER TYPE "DeliveryKind" ADD VALUE 'TASK_COMMENT';
