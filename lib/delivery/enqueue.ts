import type { Prisma } from "@/lib/generated/prisma/client";

export const DELIVER_CALL_TASK = "deliver-call";
export const CALL_JOB_MAX_ATTEMPTS = 30;

/**
 * Schedules the delivery of a call's queued CRM requests, inside the caller's transaction, so a
 * stored event always has its job. One job and one named queue per call: its requests go out
 * in order, and a call waiting for a retry blocks nothing but itself. (Event ingest adds the
 * same job inside its own statement: lib/dialplan/event-ingest.ts.)
 */
export async function enqueueCallDelivery(tx: Prisma.TransactionClient, callId: number): Promise<void> {
  const key = `call:${callId}`;
  await tx.$executeRaw`SELECT graphile_worker.add_job(
    ${DELIVER_CALL_TASK}, json_build_object('callId', ${callId}::int),
    queue_name := ${key}, max_attempts := ${CALL_JOB_MAX_ATTEMPTS}::int, job_key := ${key}, job_key_mode := 'preserve_run_at')`;
}
