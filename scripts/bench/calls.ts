// The calls the benchmark makes up: distinct phone numbers and Asterisk uniqueids, and the two
// events a dialplan reports for an incoming call (in, then hangup from event.sh), as query
// parameters of /api/event or as what ingestCallEvent takes.
import { ingestCallEvent } from "@/lib/calls";
import { eventParamsSchema } from "@/lib/validations/dialplan";
import type { Step } from "./load";

/** The extension of a manager the benchmark's accounts map (DEMO.extensions). */
export const EXTENSION = "02";

let phones = 0;
let calls = 0;
const run = Math.floor(Date.now() / 1000);

/** A mobile number none of the demo CRM's customers has, different at every call. */
export function nextPhone(): string {
  return `+7901${String(++phones).padStart(7, "0")}`;
}

export function nextUniqueid(): string {
  return `${run}.${++calls}`;
}

type Params = Record<string, string>;

export function incoming(uniqueid: string, phone: string): Params {
  return { type: "in", uniqueid, phone, code: EXTENSION };
}

export function hangup(uniqueid: string, phone: string): Params {
  return {
    type: "hangup",
    uniqueid,
    phone,
    code: EXTENSION,
    status: "ANSWER",
    direct: "in",
    date: "2026-11-23 10:00:00",
    hold: "7",
    duration: "42",
  };
}

export function eventPath(clientId: string, params: Params): string {
  return `/api/event?${new URLSearchParams({ clientId, ...params })}`;
}

/** Load steps: every connection reports whole calls, in then hangup, each with its own uniqueid. */
export function callSteps(clientId: string): Step[] {
  return [
    (call) => {
      call.uniqueid = nextUniqueid();
      call.phone = nextPhone();
      return eventPath(clientId, incoming(call.uniqueid, call.phone));
    },
    (call) => eventPath(clientId, hangup(call.uniqueid!, call.phone!)),
  ];
}

async function ingest(accountId: string, clientId: string, params: Params): Promise<void> {
  const parsed = eventParamsSchema.parse({ clientId, ...params });
  if (parsed.type === "upload") throw new Error("recordings are not part of the benchmark");
  await ingestCallEvent(accountId, { ...parsed, type: parsed.type });
}

/** Stores `events` events (whole calls: in + hangup) the way /api/event does, `parallel` at a time. */
export async function queueCalls(
  account: { id: string; clientId: string },
  events: number,
  parallel = 8,
): Promise<void> {
  let remaining = Math.ceil(events / 2);
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (remaining-- > 0) {
        const uniqueid = nextUniqueid();
        const phone = nextPhone();
        await ingest(account.id, account.clientId, incoming(uniqueid, phone));
        await ingest(account.id, account.clientId, hangup(uniqueid, phone));
      }
    }),
  );
}
