import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createTestAccount } from "@/e2e/setup/factories";
import { decryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import type { AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";
import { loadAsteriskSettings, saveAsteriskSettings, testAmi } from "./asterisk-settings";

let sim: AsteriskSim;
const user = { username: "crm", secret: "s3cret", read: "call", write: "originate" };

beforeAll(async () => {
  sim = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 100, users: [user] });
});
afterAll(() => sim.close());

function form(over: Partial<AsteriskSettingsInput> = {}): AsteriskSettingsInput {
  return {
    callerIdPrefix: "Shop",
    outgoing: "from-internal,2",
    managerCallerIdName: "CRM",
    amiHost: "127.0.0.1",
    amiPort: String(sim.httpPort),
    amiLogin: user.username,
    amiSecret: user.secret,
    amiTransport: "HTTP",
    channelTemplate: "PJSIP/{code}",
    pbxTimeZone: "Europe/Moscow",
    lookupBudgetMs: "800",
    transliterateNames: true,
    countries: "ru, by",
    sendOutEvent: true,
    pauseQueueWhenAway: false,
    eventSource: "DIALPLAN",
    inboundContexts: "from-trunk",
    outboundContexts: "from-internal",
    amiEventsPort: "5038",
    amiCallerName: false,
    amiRouting: false,
    routingContext: "from-internal",
    routingAnswerSeconds: "20",
    routingFallback: "",
    ...over,
  };
}

/** A server that records whatever reaches it, as an attacker's "AMI" would. */
async function listenTrap() {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const trap = createServer((socket) => {
    sockets.add(socket);
    socket.write("Asterisk Call Manager/9.0.0\r\n");
    socket.on("data", (chunk: Buffer) => received.push(chunk));
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  return {
    port: String((trap.address() as AddressInfo).port),
    received,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => trap.close(resolve));
    },
  };
}

describe("«Настройки Asterisk»", () => {
  it("shows the guide's defaults and never the password", async () => {
    const account = await createTestAccount();
    const { form: shown, hasSecret } = await loadAsteriskSettings(account.id);
    expect(shown).toEqual({
      callerIdPrefix: "",
      outgoing: "default,1",
      managerCallerIdName: "CRM",
      amiHost: "127.0.0.1",
      amiPort: "8088",
      amiLogin: "asterisk",
      amiSecret: "",
      amiTransport: "HTTP",
      channelTemplate: "SIP",
      pbxTimeZone: "Europe/Moscow",
      lookupBudgetMs: "1500",
      transliterateNames: false,
      countries: "RU",
      sendOutEvent: false,
      pauseQueueWhenAway: false,
      eventSource: "DIALPLAN",
      inboundContexts: "from-trunk",
      outboundContexts: "from-internal",
      amiEventsPort: "5038",
      amiCallerName: false,
      amiRouting: false,
      routingContext: "from-internal",
      routingAnswerSeconds: "20",
      routingFallback: "",
    });
    expect(hasSecret).toBe(false);
  });

  it("saves nothing when AMI refuses the login", async () => {
    const account = await createTestAccount();
    const outcome = await saveAsteriskSettings(account.id, form({ amiSecret: "wrong" }));
    expect(outcome).toEqual({
      ok: false,
      formError: expect.stringMatching(/^Нет доступа до AMI: проверьте адрес, порт, логин или пароль/),
    });
    expect((await loadAsteriskSettings(account.id)).form.amiLogin).toBe("asterisk");
  });

  it("saves after a successful check, encrypts the password and keeps it when the field is left empty", async () => {
    const account = await createTestAccount();
    expect(await saveAsteriskSettings(account.id, form({ pbxTimeZone: " Asia/Vladivostok " }))).toEqual({ ok: true });
    const stored = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: account.id } });
    expect(stored).toMatchObject({
      pbxTimeZone: "Asia/Vladivostok",
      outgoingContext: "from-internal",
      outgoingPriority: "2",
      callerIdPrefix: "Shop",
      channelTemplate: "PJSIP/{code}",
      lookupBudgetMs: 800,
      transliterateNames: true,
      countries: ["RU", "BY"],
    });
    expect(stored.amiSecretEnc).not.toContain(user.secret);
    expect(decryptSecret(stored.amiSecretEnc!)).toBe(user.secret);

    expect(await saveAsteriskSettings(account.id, form({ amiSecret: "", callerIdPrefix: "Desk" }))).toEqual({
      ok: true,
    });
    const again = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: account.id } });
    expect(decryptSecret(again.amiSecretEnc!)).toBe(user.secret);
    expect(again.callerIdPrefix).toBe("Desk");
    expect((await loadAsteriskSettings(account.id)).hasSecret).toBe(true);
  });

  it("sends the stored password only to the server, port, login and transport it was saved with", async () => {
    const account = await createTestAccount();
    expect(await saveAsteriskSettings(account.id, form())).toEqual({ ok: true });
    const { port: trapPort, received, close } = await listenTrap();
    try {
      const elsewhere = [
        { amiPort: trapPort, amiTransport: "TCP" as const },
        { amiHost: "localhost", amiPort: trapPort, amiTransport: "TCP" as const },
        { amiPort: String(sim.tcpPort), amiTransport: "TCP" as const },
        { amiLogin: "other" },
      ];
      for (const change of elsewhere) {
        for (const run of [testAmi, saveAsteriskSettings]) {
          expect(await run(account.id, form({ amiSecret: "", ...change })), JSON.stringify(change)).toEqual({
            ok: false,
            formError: expect.stringMatching(/^Введите пароль AMI заново/),
            fieldErrors: { amiSecret: expect.stringMatching(/^Введите пароль AMI заново/) },
          });
        }
      }
      expect(Buffer.concat(received).toString()).toBe("");
      const kept = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: account.id } });
      expect([kept.amiPort, kept.amiTransport, kept.amiLogin]).toEqual([sim.httpPort, "HTTP", user.username]);
      // Typed again, it goes where the admin says.
      expect(
        await saveAsteriskSettings(account.id, form({ amiTransport: "TCP", amiPort: String(sim.tcpPort) })),
      ).toEqual({ ok: true });
    } finally {
      await close();
    }
  });

  it("keeps the stored password to the events port it was saved with, also while the dialplan reports calls", async () => {
    const account = await createTestAccount();
    expect(await saveAsteriskSettings(account.id, form())).toEqual({ ok: true });
    const { port: trapPort, received, close } = await listenTrap();
    try {
      // The events port is not dialled with the dialplan as the source, but it is saved: it must not
      // carry the stored password there once AMI becomes the source.
      const retype = {
        ok: false,
        formError: expect.stringMatching(/^Введите пароль AMI заново/),
        fieldErrors: { amiSecret: expect.stringMatching(/^Введите пароль AMI заново/) },
      };
      const outcomes = [await saveAsteriskSettings(account.id, form({ amiSecret: "", amiEventsPort: trapPort }))];
      for (const run of [testAmi, saveAsteriskSettings])
        outcomes.push(await run(account.id, form({ amiSecret: "", eventSource: "AMI", amiEventsPort: trapPort })));
      expect(Buffer.concat(received).toString()).toBe("");
      expect(outcomes).toEqual([retype, retype, retype]);
      expect((await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: account.id } })).amiEventsPort).toBe(
        5038,
      );
      // Other fields still save with the password left empty.
      expect(await saveAsteriskSettings(account.id, form({ amiSecret: "", callerIdPrefix: "Desk" }))).toEqual({
        ok: true,
      });
    } finally {
      await close();
    }
  });

  it("asks for a password when none is stored, and checks every field", async () => {
    const account = await createTestAccount();
    expect(await testAmi(account.id, form({ amiSecret: "" }))).toMatchObject({
      ok: false,
      fieldErrors: { amiSecret: "Укажите пароль пользователя AMI" },
    });
    const bad = await testAmi(
      account.id,
      form({
        outgoing: "a b",
        amiPort: "70000",
        amiHost: "http://pbx",
        channelTemplate: "PJSIP/101",
        callerIdPrefix: 'a"b',
        lookupBudgetMs: "60000",
        countries: "Russia",
        pbxTimeZone: "MSK+3",
      }),
    );
    expect(bad).toMatchObject({
      ok: false,
      fieldErrors: {
        outgoing: "Укажите наименование контекста и приоритета через запятую: context[,priority]",
        amiPort: "Порт — число от 1 до 65535",
        amiHost: "Укажите имя или ip-адрес сервера, без http:// и порта",
        channelTemplate: expect.stringContaining("{code}"),
        callerIdPrefix: "Без кавычек, запятых и обратной косой черты",
        lookupBudgetMs: "Время — число миллисекунд от 200 до 5000",
        countries: "Коды стран ISO через запятую, например RU, BY, KZ",
        pbxTimeZone: "Часовой пояс из базы IANA, например Europe/Moscow или Asia/Vladivostok",
      },
    });
  });

  it("checks routing's fields, and wants to know where a call goes back to before it routes one", async () => {
    const account = await createTestAccount();
    const routing = { eventSource: "AMI", amiRouting: true } as const;
    expect(
      await testAmi(
        account.id,
        form({
          ...routing,
          routingContext: "from internal",
          routingAnswerSeconds: "3",
          routingFallback: "ext-queues,400",
        }),
      ),
    ).toMatchObject({
      ok: false,
      fieldErrors: {
        routingContext: "Название контекста, например from-internal",
        routingAnswerSeconds: "Время — число секунд от 5 до 120",
        routingFallback: "Контекст, добавочный и приоритет через запятую: context,extension,priority",
      },
    });
    expect(await testAmi(account.id, form({ ...routing, routingFallback: " " }))).toMatchObject({
      ok: false,
      fieldErrors: { routingFallback: "Укажите, куда вернуть звонок, если менеджер не ответил" },
    });
  });
});
