// One clock for the CRM (docs/dialplan-api.md, «Время звонка»): a call reported by AMI events
// (epoch Timestamps), by the dialplan (the PBX's local time) and recovered from the CDR (the PBX's
// local time) at one and the same moment reaches the CRM dated alike, in the CRM's time zone,
// for a PBX in Moscow and one in Vladivostok and a CRM in each; the journal shows that date too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
import { serveCallRoutes, startWorkers } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, amiConnected, demoCrmAccount, listenToAmi } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { db } from "@/lib/db/client";
import { listCalls } from "@/lib/journal";

/** 2026-12-06 17:04:14 UTC: 20:04:14 in Moscow, 03:04:14 the next day in Vladivostok. */
const MOMENT = Date.UTC(2026, 11, 6, 17, 4, 14);
const WAIT = 4;
const TALK = 3;

const ZONES = ["Europe/Moscow", "Asia/Vladivostok"] as const;
const SETUPS = ZONES.flatMap((pbxZone) => ZONES.map((crmZone) => ({ pbxZone, crmZone })));

/** The zone's wall clock at a moment, as the PBX writes its dates (checked against a known offset below). */
function wall(ms: number, zone: string): string {
  const offsetHours = zone === "Europe/Moscow" ? 3 : 10;
  return new Date(ms + offsetHours * 3600_000).toISOString().slice(0, 19).replace("T", " ");
}

interface Setup {
  pbxZone: string;
  crmZone: string;
  pbx: AsteriskSim;
  crm: RetailCrmSim;
  accountId: string;
  clientId: string;
}

const setups: Setup[] = [];
let app: Awaited<ReturnType<typeof serveCallRoutes>>;
let workers: Awaited<ReturnType<typeof startWorkers>>;

beforeAll(async () => {
  app = await serveCallRoutes();
  for (const { pbxZone, crmZone } of SETUPS) {
    const pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
    const { crm, account } = await demoCrmAccount({ 4: "103" }, { timezone: crmZone });
    // «Both»: the dialplan's events are taken beside AMI's, each call once.
    await listenToAmi(account.id, pbx, {
      eventSource: "BOTH",
      inboundContexts: ["init-channel", "plain-in"],
      pbxTimeZone: pbxZone,
      amiEventsSince: new Date(MOMENT - 3600_000),
    });
    setups.push({ pbxZone, crmZone, pbx, crm, accountId: account.id, clientId: account.clientId });
  }
  workers = await startWorkers();
  for (const { accountId } of setups) await amiConnected(accountId);
}, 60_000);

afterAll(async () => {
  await workers.stop();
  await app.close();
  await Promise.all(setups.flatMap(({ pbx, crm }) => [pbx.close(), crm.close()]));
});

/** The calls/upload entry the CRM got for a call. */
async function uploadOf(crm: RetailCrmSim, externalId: string): Promise<Record<string, unknown>> {
  const find = () =>
    crm.requests
      .filter((request) => request.status === 200 && request.path.endsWith("/calls/upload"))
      .flatMap((request) => JSON.parse(request.form.calls!) as Record<string, unknown>[])
      .find((call) => call.externalId === externalId);
  return (await until(find, (found) => found !== undefined, 15_000))!;
}

describe("one clock for the CRM", () => {
  it("the test's wall clocks are the zones' own", () => {
    const format = (zone: string) =>
      new Intl.DateTimeFormat("sv-SE", { timeZone: zone, dateStyle: "short", timeStyle: "medium" }).format(MOMENT);
    for (const zone of ZONES) expect(wall(MOMENT, zone)).toBe(format(zone));
  });

  it.each(SETUPS)(
    "a PBX in $pbxZone, a CRM in $crmZone: AMI, the dialplan and the CDR date one moment alike",
    async ({ pbxZone, crmZone }) => {
      const setup = setups.find((s) => s.pbxZone === pbxZone && s.crmZone === crmZone)!;
      const { pbx, crm, clientId } = setup;
      const seconds = MOMENT / 1000;
      // AMI: a real Asterisk's events, its Timestamps starting at the moment.
      const renumber = (id: string) => (id ? `ami-${id}` : id);
      pbx.replay(
        timed(
          transcriptEvents("incoming-known-direct-answered"),
          [
            { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: WAIT },
            { matches: when("Hangup"), seconds: TALK },
          ],
          seconds,
        ),
        { renumber },
      );
      // The dialplan: event.sh's hangup, dated by the PBX's clock at the h extension.
      const dialplan = `${seconds}.500`;
      const query = new URLSearchParams({
        clientId,
        type: "hangup",
        uniqueid: dialplan,
        phone: "89001234567",
        code: "103",
        status: "ANSWER",
        direct: "in",
        date: wall(MOMENT + (WAIT + TALK) * 1000, pbxZone),
        hold: String(WAIT),
        duration: String(TALK),
      });
      expect((await fetch(`${app.url}/api/event?${query}`)).status).toBe(200);
      // The CDR: a line of Master.csv, in the PBX's local time.
      const cdr = `${seconds}.600`;
      const line = [
        "",
        "89001234567",
        "s",
        "plain-in",
        '"" <89001234567>',
        "PJSIP/trunk-00000001",
        "PJSIP/103-00000002",
        "Dial",
        "PJSIP/103,30",
        wall(MOMENT, pbxZone),
        wall(MOMENT + WAIT * 1000, pbxZone),
        wall(MOMENT + (WAIT + TALK) * 1000, pbxZone),
        String(WAIT + TALK),
        String(TALK),
        "ANSWERED",
        "DOCUMENTATION",
        cdr,
        "",
      ]
        .map((value) => `"${value.replaceAll('"', '""')}"`)
        .join(",");
      const posted = await fetch(`${app.url}/api/cdr?clientId=${clientId}`, { method: "POST", body: `${line}\n` });
      expect(await posted.json()).toMatchObject({ success: true, recovered: 1 });

      const expected = wall(MOMENT, crmZone);
      for (const uniqueid of [renumber("1796313595.1"), dialplan, cdr]) {
        expect(await uploadOf(crm, uniqueid), uniqueid).toMatchObject({
          date: expected,
          duration: TALK,
          durationWaiting: WAIT,
        });
        const call = await db().call.findFirstOrThrow({ where: { accountId: setup.accountId, uniqueid } });
        expect(call.startedAt, uniqueid).toEqual(new Date(MOMENT));
      }
      const journal = (await listCalls(setup.accountId, 1)).calls.map((call) => call.startedAt);
      expect(journal).toEqual([expected, expected, expected]);
    },
  );
});
