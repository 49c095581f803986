// What one dialplan event leaves in the database: the event, the call as the journal shows it,
// the CRM requests it owes (in order), and the call marked for the delivery workers, which do
// not run here (e2e/integration/fair-delivery.test.ts and delivery-*.test.ts cover what they make of it).
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db, dbPool } from "@/lib/db/client";
import { owedRequestsOfCalls } from "@/lib/delivery";
import { ingestCallEvent } from "./ingest";

let accountId: string;
let clientId: string;
let sequence = 0;
const uniqueid = () => `1800000000.${++sequence}`;

/** The call, its events, and the requests it owes with their bodies as the delivery workers would build them now. */
async function stored(id: string) {
  const call = await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid: id } } });
  const deliveries = await owedRequestsOfCalls(dbPool(), [call.id], clientId);
  const events = await db().callEvent.findMany({ where: { accountId, uniqueid: id }, orderBy: { id: "asc" } });
  return {
    call,
    deliveries: deliveries.map((d) => ({
      kind: d.kind,
      payload: (d.kind === "MISSED_TASK"
        ? d.missed
        : d.kind === "NEW_CUSTOMER"
          ? d.caller
          : d.kind === "CUSTOMER_NOTE"
            ? d.note
            : d.kind === "TASK_COMPLETE"
              ? d.back
              : d.kind === "TASK_COMMENT"
                ? d.comment
                : d.body) as unknown as Record<string, unknown>,
    })),
    events,
  };
}

beforeAll(async () => {
  ({ id: accountId, clientId } = await createTestAccount());
  await db().crmUser.createMany({
    data: [
      { accountId, crmUserId: 7, extension: "105" },
      { accountId, crmUserId: 3, extension: "101" },
      { accountId, crmUserId: 5 },
      { accountId, crmUserId: 4, extension: "102" },
    ],
  });
});

describe("ingestCallEvent", () => {
  it("stores an incoming call with its popup request, marked for delivery", async () => {
    const id = uniqueid();
    expect(
      await ingestCallEvent(accountId, {
        clientId: "c",
        type: "in",
        uniqueid: id,
        phone: "+79001234567",
        code: "101,102",
      }),
    ).toEqual({ duplicate: false, warnings: [] });
    const { call, deliveries, events } = await stored(id);
    expect(call).toMatchObject({
      direction: "IN",
      phone: "+79001234567",
      extension: null,
      result: null,
      deliveryPending: true,
    });
    expect(call.startedAt).toBeInstanceOf(Date);
    expect(deliveries).toEqual([
      { kind: "CALL_EVENT", payload: { phone: "+79001234567", type: "in", codes: ["101", "102"], callExternalId: id } },
    ]);
    expect(events.map((e) => e.type)).toEqual(["IN"]);
  });

  it("gives an incoming call that rings one manager to that manager, also when its hangup names no one", async () => {
    const id = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234568", code: "105" });
    expect((await stored(id)).call).toMatchObject({ extension: "105", result: null });
    await ingestCallEvent(accountId, {
      clientId: "c",
      type: "hangup",
      uniqueid: id,
      phone: "+79001234568",
      status: "NOANSWER",
    });
    expect((await stored(id)).call).toMatchObject({ extension: "105", result: "no answer" });
  });

  it("rings every mapped extension, in the CRM's user order, when an incoming call names none", async () => {
    const id = uniqueid();
    await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567" });
    expect((await stored(id)).deliveries[0]!.payload.codes).toEqual(["101", "102", "105"]);
  });

  it("completes the call on hangup: the popup's close first, then the upload, the direction kept from the start", async () => {
    const id = uniqueid();
    await ingestCallEvent(accountId, {
      clientId: "c",
      type: "out",
      uniqueid: id,
      phone: "+79001230000",
      code: "102",
      date: "2026-11-20 09:00:00",
    });
    await ingestCallEvent(accountId, {
      clientId: "c",
      type: "hangup",
      uniqueid: id,
      phone: "+79001230000",
      status: "ANSWER",
      hold: 3,
      duration: 61,
    });
    const { call, deliveries } = await stored(id);
    expect(call).toMatchObject({
      direction: "OUT",
      extension: "102",
      result: "answered",
      waitSeconds: 3,
      talkSeconds: 61,
      deliveryPending: true,
    });
    // The dialplan's date is the PBX's clock: Moscow, the zone of a PBX whose admin set none.
    expect(call.startedAt).toEqual(new Date("2026-11-20T06:00:00Z"));
    expect(deliveries.map((d) => [d.kind, d.payload.type])).toEqual([
      ["CALL_EVENT", "out"],
      ["CALL_EVENT", "hangup"],
      ["CALLS_UPLOAD", "out"],
    ]);
    expect(deliveries[2]!.payload).toMatchObject({
      phone: "+79001230000",
      result: "answered",
      duration: 61,
      durationWaiting: 3,
      externalId: id,
    });
    expect(deliveries[2]!.payload).not.toHaveProperty("code");
  });

  it("takes a hangup that arrives alone as an incoming call unless it says direct=out", async () => {
    const alone = uniqueid();
    await ingestCallEvent(accountId, {
      clientId: "c",
      type: "hangup",
      uniqueid: alone,
      phone: "+79001230001",
      code: "101",
      status: "NOANSWER",
      date: "2026-11-21 10:00:00",
    });
    const first = await stored(alone);
    expect(first.call).toMatchObject({
      direction: "IN",
      extension: "101",
      result: "no answer",
      waitSeconds: null,
      talkSeconds: null,
    });
    expect(first.deliveries[1]!.payload).toMatchObject({
      type: "in",
      code: "101",
      date: "2026-11-21 10:00:00",
      duration: 0,
      durationWaiting: 0,
    });

    const outward = uniqueid();
    await ingestCallEvent(accountId, {
      clientId: "c",
      type: "hangup",
      uniqueid: outward,
      phone: "+79001230002",
      status: "BUSY",
      direct: "out",
    });
    expect((await stored(outward)).deliveries[1]!.payload.type).toBe("out");
  });

  it("starts no call before 1970, the CRM's earliest date, whatever zone its local time is read in", async () => {
    // No settings saved: the PBX's zone is the default, Moscow (UTC+3 in 1970).
    const id = uniqueid();
    await ingestCallEvent(accountId, {
      clientId,
      type: "hangup",
      uniqueid: id,
      phone: "+79001234567",
      status: "ANSWER",
      date: "1970-01-01 01:00:00",
      hold: 0,
      duration: 0,
    });
    expect((await stored(id)).call.startedAt?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
  });

  it("stores a repeated event once and owes nothing more for it", async () => {
    const id = uniqueid();
    const params = { clientId: "c", type: "in" as const, uniqueid: id, phone: "+79001234567", code: "101" };
    await ingestCallEvent(accountId, params);
    await db().call.updateMany({ where: { accountId, uniqueid: id }, data: { deliveryPending: false } });
    expect(await ingestCallEvent(accountId, { ...params, phone: "+70000000000" })).toEqual({
      duplicate: true,
      warnings: [],
    });
    const { call, deliveries, events } = await stored(id);
    expect(call).toMatchObject({ phone: "+79001234567", deliveryPending: false });
    expect(deliveries).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it("keeps both events of a call that arrive at the same moment, in one call", async () => {
    for (let round = 0; round < 10; round++) {
      const id = uniqueid();
      await Promise.all([
        ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567", code: "101" }),
        ingestCallEvent(accountId, {
          clientId: "c",
          type: "hangup",
          uniqueid: id,
          phone: "+79001234567",
          code: "101",
          status: "ANSWER",
          direct: "in",
          duration: 5,
        }),
      ]);
      const { call, deliveries, events } = await stored(id);
      expect(call).toMatchObject({ direction: "IN", result: "answered", talkSeconds: 5, deliveryPending: true });
      expect(deliveries.map((d) => d.kind).sort()).toEqual(["CALLS_UPLOAD", "CALL_EVENT", "CALL_EVENT"]);
      expect(events).toHaveLength(2);
    }
  });

  it("stores events arriving together in shared statements: each call whole, a repeat once", async () => {
    const statements = vi.spyOn(dbPool(), "query");
    const ids = Array.from({ length: 12 }, uniqueid);
    const incoming = (id: string) =>
      ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567" });
    const results = await Promise.all([
      ...ids.flatMap((id) => [
        incoming(id),
        ingestCallEvent(accountId, {
          clientId: "c",
          type: "hangup",
          uniqueid: id,
          phone: "+79001234567",
          code: "101",
          status: "NOANSWER",
        }),
        incoming(id),
      ]),
      ...ids.map((id) =>
        ingestCallEvent(accountId, {
          clientId: "c",
          type: "out",
          uniqueid: `${id}-back`,
          phone: "+79001234567",
          code: "102",
        }),
      ),
    ]);
    const ingests = statements.mock.calls.filter(
      ([query]) => (query as { name?: string }).name === "ingest-call-events",
    ).length;
    statements.mockRestore();
    expect(ingests).toBeLessThan(results.length / 4);

    expect(results.filter((result) => result.duplicate)).toHaveLength(ids.length);
    for (const id of ids) {
      const { call, deliveries, events } = await stored(id);
      expect(call).toMatchObject({ direction: "IN", extension: "101", result: "no answer", deliveryPending: true });
      expect(events.map((e) => e.type).sort()).toEqual(["HANGUP", "IN"]);
      expect(deliveries.map((d) => d.kind).sort()).toEqual(["CALLS_UPLOAD", "CALL_EVENT", "CALL_EVENT"]);
      expect(deliveries.find((d) => d.payload.type === "in")!.payload.codes).toEqual(["101", "102", "105"]);
      expect((await stored(`${id}-back`)).call).toMatchObject({ direction: "OUT", extension: "102" });
    }
  });

  it("fails only the event the database refuses when it shared a statement with others", async () => {
    const ids = Array.from({ length: 6 }, uniqueid);
    const strayAccount = randomUUID();
    const incoming = (account: string, id: string) =>
      ingestCallEvent(account, { clientId: "c", type: "in", uniqueid: id, phone: "+79001234567", code: "101" });
    const results = await Promise.allSettled([
      ...ids.slice(0, 3).map((id) => incoming(accountId, id)),
      incoming(strayAccount, uniqueid()),
      ...ids.slice(3).map((id) => incoming(accountId, id)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(results[3]).toMatchObject({ reason: { code: "23503" } });
    for (const id of ids) expect((await stored(id)).events).toHaveLength(1);
    expect(await db().callEvent.count({ where: { accountId: strayAccount } })).toBe(0);
  });

  it("stores an out or hangup that names several managers without them, and says so on the call", async () => {
    const id = uniqueid();
    expect(
      await ingestCallEvent(accountId, {
        clientId: "c",
        type: "out",
        uniqueid: id,
        phone: "+79001234567",
        code: "101,102",
      }),
    ).toEqual({
      duplicate: false,
      warnings: [
        {
          field: "code",
          action: "ignored",
          message: "parameter code must be a single extension for type=out; the event was stored without it",
        },
      ],
    });
    const { call, deliveries, events } = await stored(id);
    expect(call).toMatchObject({ extension: null, inputWarnings: ["code:ignored"] });
    expect(deliveries[0]?.payload).toMatchObject({ type: "out", codes: [] });
    // The stored event keeps what the dialplan said, never the clientId it came with.
    expect(events[0]?.payload).not.toHaveProperty("clientId");
  });

  it("refuses what it cannot store and stores none of it", async () => {
    const id = uniqueid();
    await expect(
      ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: id, status: "ANSWER" }),
    ).rejects.toThrow(/phone is required/);
    expect(await db().callEvent.count({ where: { accountId, uniqueid: id } })).toBe(0);
    expect(await db().call.count({ where: { accountId, uniqueid: id } })).toBe(0);
  });
});
