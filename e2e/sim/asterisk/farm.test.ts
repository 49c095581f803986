// The many-PBX mode the bench's `tenants` section plays a thousand PBXs with, run small: three.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transcriptEvents } from "@/e2e/fixtures/ami-transcripts";
import { createPbxFarm, type PbxFarm } from "./farm";
import { RawAmi, waitFor } from "./testkit";

const USER = { username: "events", secret: "ev3nts", read: "call,dialplan,agent", write: "reporting" };
const CALL = transcriptEvents("incoming-known-direct-answered");
const answered = (event: Readonly<Record<string, string>>) =>
  event.Event === "DialEnd" && event.DialStatus === "ANSWER";

/** The events of what arrived, as `Event Uniqueid` lines. */
const received = (text: string) =>
  text
    .split("\r\n\r\n")
    .filter((block) => block.startsWith("Event: "))
    .map((block) => `${/^Event: (.*)$/m.exec(block)![1]} ${/^Uniqueid: (.*)$/m.exec(block)?.[1] ?? ""}`);

describe("many PBXs in one process", () => {
  let farm: PbxFarm;
  let amis: RawAmi[];

  beforeAll(async () => {
    farm = await createPbxFarm(3, { users: [USER] });
    amis = await Promise.all(farm.pbxs.map((pbx) => RawAmi.login(pbx.tcpPort!, USER, "Events: on\r\n")));
  });
  afterAll(async () => {
    for (const ami of amis) ami.close();
    await farm.close();
  });

  it("gives each PBX a port of its own and counts those with a live event session, and those with two", async () => {
    expect(new Set(farm.pbxs.map((pbx) => pbx.tcpPort)).size).toBe(3);
    expect(farm.connected()).toBe(3);
    expect(farm.doubled()).toBe(0);
    const second = await RawAmi.login(farm.pbxs[0]!.tcpPort!, USER, "Events: on\r\n");
    expect([farm.connected(), farm.doubled()]).toEqual([3, 1]);
    second.close();
    await waitFor(() => farm.doubled() === 0);
    amis[2]!.close();
    await waitFor(() => farm.connected() === 2);
  });

  it("plays a recorded call on one PBX only: its events in order, ids renumbered, the pause kept", async () => {
    const played = farm.playCall(1, CALL, {
      renumber: (id) => (id ? `call7-${id}` : id),
      pauses: [{ before: answered, ms: 300 }],
    });
    const ringing = received(await amis[1]!.quiet(150));
    const expected = CALL.map((event) => `${event.Event} ${event.Uniqueid ? `call7-${event.Uniqueid}` : ""}`);
    const answer = CALL.findIndex(answered);
    expect(ringing).toEqual(expected.slice(0, answer));
    await played;
    expect(received(await amis[1]!.quiet(50))).toEqual(expected);
    expect(await amis[0]!.quiet(0)).toBe("");
  });
});
