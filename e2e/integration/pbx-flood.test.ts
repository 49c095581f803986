// A tenant's own PBX against everyone else (docs/security.md, «АТС арендатора»): a PBX that sends
// a flood of Newchannel events, more channels than any PBX has, or one header line that never
// ends has its AMI event connection dropped at the limit, is told why in «Настройки Asterisk», and
// is connected again only after a pause that grows; meanwhile another account's calls from its
// (real, recorded) Asterisk go on reaching its CRM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
import { FAST_TRACKING } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, createTestAccount, demoCrmAccount } from "@/e2e/setup/factories";
import { startHostilePbx, type Flood, type HostilePbx } from "@/e2e/setup/hostile-pbx";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";

const ami = AMI_EVENTS_USER;
// Pauses after an overrun, compressed: 1 s, then 2 s.
const OVERRUN_MS = 1_000;
let tracking: CallTracking;
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let tenant: string;

async function amiMode(accountId: string, port: number): Promise<void> {
  await db().asteriskSettings.upsert({
    where: { accountId },
    create: { accountId },
    update: {},
  });
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      eventSource: "AMI",
      inboundContexts: ["init-channel"],
      amiHost: "127.0.0.1",
      amiEventsPort: port,
      amiPort: port,
      amiTransport: "TCP",
      amiLogin: ami.username,
      amiSecretEnc: encryptSecret(ami.secret),
    },
  });
}

const stateOf = async (accountId: string) =>
  (await db().amiListener.findUnique({ where: { accountId } })) ?? { state: "none", lastError: null };

/** An account of its own whose PBX is the attacker's. */
async function attacker(flood: Flood): Promise<{ accountId: string; pbx: HostilePbx }> {
  const hostile = await startHostilePbx(flood);
  const account = await createTestAccount();
  await amiMode(account.id, hostile.port);
  return { accountId: account.id, pbx: hostile };
}

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [ami] });
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "102", 4: "103" }));
  tenant = account.id;
  await amiMode(tenant, pbx.tcpPort!);
  tracking = await startCallTracking(process.env.DATABASE_URL!, {
    ...FAST_TRACKING,
    timing: { ...FAST_TRACKING.timing, overrunMs: OVERRUN_MS, maxOverrunMs: 2 * OVERRUN_MS },
  });
  await until(
    () => stateOf(tenant),
    (listener) => listener.state === "connected",
    15_000,
  );
}, 60_000);

afterAll(async () => {
  await tracking.stop();
  await pbx.close();
  await crm.close();
});

describe("a PBX that floods its AMI event connection", () => {
  it("is dropped after the burst it may send, told why, and tried again only after a growing pause", async () => {
    const { accountId, pbx: hostile } = await attacker({ kind: "chatter", count: 60_000 });
    try {
      // Another account's call, from its own Asterisk, while the flood is on.
      const prefix = `flood${Date.now() % 100_000}`;
      const events = timed(
        transcriptEvents("incoming-known-direct-answered"),
        [{ matches: when("Hangup"), seconds: 2 }],
        Date.now() / 1000,
      );
      expect(
        (
          await until(
            () => hostile.floods,
            (floods) => floods.length > 0,
            10_000,
          )
        ).length,
      ).toBeGreaterThan(0);
      pbx.replay(events, { renumber: (id) => (id ? `${prefix}-${id}` : id) });

      const dropped = await until(
        () => stateOf(accountId),
        (listener) => listener.state === "failed",
        10_000,
      );
      expect(dropped.lastError).toBe(
        "сервис разорвал соединение: АТС прислала больше 10000 событий AMI подряд (допустимо 1000 в секунду); следующая попытка через 1 с",
      );
      const first = hostile.floods[0]!;
      expect(
        await until(
          () => first.closedAt,
          (closedAt) => closedAt !== null,
          5_000,
        ),
      ).not.toBeNull();
      // Cut off long before the 60 000 events were all sent.
      expect(first.bytesSent).toBeLessThan(16 * 1024 * 1024);

      // The next try waits the pause; the one after, twice as long.
      expect(
        (
          await until(
            () => hostile.floods,
            (floods) => floods.length >= 3,
            15_000,
          )
        ).length,
      ).toBeGreaterThanOrEqual(3);
      const [, second, third] = hostile.floods;
      expect(second!.openedAt - first.closedAt!).toBeGreaterThanOrEqual(OVERRUN_MS - 50);
      expect(third!.openedAt - second!.closedAt!).toBeGreaterThanOrEqual(2 * OVERRUN_MS - 50);

      // The other account's call was derived and stored all along.
      const call = await until(
        () =>
          db().call.findUnique({
            where: { accountId_uniqueid: { accountId: tenant, uniqueid: `${prefix}-1796313595.1` } },
          }),
        (found) => found?.result !== null && found?.result !== undefined,
        15_000,
      );
      expect(call).toMatchObject({ direction: "IN", extension: "103", result: "answered" });
      expect((await stateOf(tenant)).state).toBe("connected");
    } finally {
      await db().asteriskSettings.update({ where: { accountId }, data: { eventSource: "DIALPLAN" } });
      await hostile.close();
    }
  });

  it("of new channels, 60 000 of them, is dropped at the most channels a PBX may have up", async () => {
    const { accountId, pbx: hostile } = await attacker({ kind: "newchannels", count: 60_000 });
    try {
      const dropped = await until(
        () => stateOf(accountId),
        (listener) => listener.state === "failed",
        10_000,
      );
      expect(dropped.lastError).toMatch(
        /^сервис разорвал соединение: у АТС больше 5000 каналов одновременно; следующая попытка через \d+ с$/,
      );
      expect(
        await until(
          () => hostile.floods[0]!.closedAt,
          (closedAt) => closedAt !== null,
          5_000,
        ),
      ).not.toBeNull();
      expect(hostile.floods[0]!.bytesSent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await db().asteriskSettings.update({ where: { accountId }, data: { eventSource: "DIALPLAN" } });
      await hostile.close();
    }
  });

  it("sending one line that never ends is dropped at the line limit, holding none of it", async () => {
    const { accountId, pbx: hostile } = await attacker({ kind: "endless-line", bytes: 256 * 1024 * 1024 });
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      const dropped = await until(
        () => stateOf(accountId),
        (listener) => listener.state === "failed",
        10_000,
      );
      expect(dropped.lastError).toMatch(
        /^сервис разорвал соединение: АТС прислала строку, сообщение или список AMI больше допустимого; следующая попытка через/,
      );
      const first = hostile.floods[0]!;
      expect(
        await until(
          () => first.closedAt,
          (closedAt) => closedAt !== null,
          5_000,
        ),
      ).not.toBeNull();
      // The line is 16 KiB at most; what else went out sat in the sockets' buffers.
      expect(first.bytesSent).toBeLessThan(16 * 1024 * 1024);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await db().asteriskSettings.update({ where: { accountId }, data: { eventSource: "DIALPLAN" } });
      await hostile.close();
    }
  });
});
