// Hostile input at the CRM's callbacks (make-call, user-status, activity, the marketplace); hostile/world.ts says what every answer is held to.
import "./hostile/env";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEMO, hmacToken } from "@/e2e/sim/retailcrm";
import { activitySchema, cabinetUrl } from "@/lib/accounts";
import { decryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import {
  Expected,
  INT4_MAX,
  JUNK_KEYS,
  MARKETPLACE_SECRET,
  MAX_QUERY,
  OK,
  Pairs,
  Params,
  Transport,
  crm,
  crm2,
  switchedCrm,
  digits,
  edge,
  encode,
  expectRefusal,
  expectSoundRows,
  extension,
  get,
  hostile,
  jsonOf,
  len,
  main,
  malformedMultipart,
  mutate,
  mutationArb,
  padded,
  pbx,
  refuse,
  runs,
  send,
  snapshot,
  STATUS_USERS,
  statuses,
  switched,
  transportArb,
  trimmed,
  unparseable,
  wire,
  withIdentity,
  withinBodyLimit,
  setUpHostileWorld,
} from "./hostile/world";

setUpHostileWorld();

describe("/api/crm/make-call", () => {
  /** The CRM's makeCallUrl (docs/retailcrm.md): clientId first, then the click's parameters. */
  function makeCallContract(p: Params): Expected {
    if (get(p, "clientId") !== main.clientId) return refuse(401, "unknown clientId");
    const code = trimmed(get(p, "code"));
    if (code === undefined) return refuse(400, "parameter code is required");
    if (!/^\d{1,10}$/.test(code)) return refuse(400, "parameter code must be the manager's extension (digits)");
    const phone = trimmed(get(p, "phone"));
    if (phone === undefined || phone === "") return refuse(400, "parameter phone is required");
    if (phone.length > 64) return refuse(400, "parameter phone is too long");
    // Plain spaces only: a tab or line break would be stored in the journal and sent on.
    if (!/^[+\d ()\-.]+$/.test(phone) || phone.replace(/\D/g, "").length < 2)
      return refuse(400, "parameter phone must be a phone number");
    const userId = trimmed(get(p, "userId"));
    if (userId !== undefined && !/^\d{1,12}$/.test(userId)) return refuse(400, "parameter userId must be a number");
    const externalPhone = trimmed(get(p, "externalPhone"));
    if (externalPhone !== undefined && len(externalPhone) > 64) return refuse(400, /externalPhone/);
    return OK;
  }

  const MAPPED: Record<string, number> = { "101": 3, "102": 4 };
  const goodClick = fc
    .record({
      code: fc.constantFrom("101", "102", " 101 "),
      phone: padded(
        fc.oneof(
          digits(2, 15),
          digits(2, 15).map((d) => `+${d}`),
          fc.constantFrom("+7 (900) 123-45-67", "8.900.123.45.67", "8-900-123-45-67"),
        ),
      ),
      withUser: fc.boolean(),
      externalPhone: fc.option(fc.constantFrom("+74951234567", "", "74951234567")),
    })
    .map(({ code, phone, withUser, externalPhone }): Pairs => {
      const pairs: [string, string][] = [
        ["clientId", "@clientId@"],
        ["code", code],
        ["phone", phone],
      ];
      if (withUser) pairs.push(["userId", String(MAPPED[code.trim()])]);
      if (externalPhone !== null) pairs.push(["externalPhone", externalPhone]);
      return pairs;
    });

  async function checkMakeCall(pairs: Pairs, transport: Transport) {
    const request = encode("/api/crm/make-call", pairs, transport);
    const p = request.params;
    const expected = withinBodyLimit(request, makeCallContract(p));
    const before = await snapshot();
    const originates = pbx.originates.length;
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      expect(pbx.originates.length).toBe(originates);
      return;
    }
    const code = p.code!.trim();
    const userId = trimmed(get(p, "userId"));
    if (MAPPED[code] === undefined || (userId !== undefined && Number(userId) !== MAPPED[code])) {
      // Not bad input but a refusal the manager reads in the CRM: 200 with success false, as for PBX failures.
      expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
        status: 200,
        body: { success: false, errorMsg: `Внутренний номер ${code} не назначен этому сотруднику в модуле Asterisk` },
      });
      expect(await snapshot()).toEqual(before);
      expect(pbx.originates.length).toBe(originates);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(pbx.originates.length).toBe(originates + 1);
    expect(await snapshot()).toEqual({ ...before, calls: before.calls + 1 });
    const call = await db().call.findFirstOrThrow({ where: { accountId: main.id }, orderBy: { id: "desc" } });
    expect(call).toMatchObject({ direction: "OUT", phone: p.phone!.trim(), extension: code, result: null });
  }

  it("rings the manager for every good click", async () => {
    await fc.assert(
      fc.asyncProperty(goodClick, transportArb, async (pairs, transport) =>
        checkMakeCall(withIdentity(pairs), transport),
      ),
      runs(15),
    );
  });

  it("refuses hostile, missing and repeated code, userId and clientId precisely, without a call or a row", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodClick,
        fc.array(mutationArb(["clientId", "code", "userId"]), { minLength: 1, maxLength: 2 }),
        transportArb,
        async (pairs, mutations, transport) => {
          await checkMakeCall(mutate(withIdentity(pairs), mutations), transport);
        },
      ),
      runs(60),
    );
  });

  it("refuses a hostile phone precisely (a phone number has no tabs or line breaks), without a call or a row", async () => {
    await fc.assert(
      fc.asyncProperty(goodClick, fc.oneof(hostile, edge("phone")), transportArb, async (pairs, phone, transport) => {
        await checkMakeCall(mutate(withIdentity(pairs), [{ kind: "set", key: "phone", value: phone }]), transport);
      }),
      runs(40),
    );
  });

  it("refuses a hostile externalPhone with a message that names it", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodClick,
        fc.oneof(hostile, fc.constantFrom("1".repeat(64), "1".repeat(65))),
        transportArb,
        async (pairs, externalPhone, transport) => {
          await checkMakeCall(
            mutate(withIdentity(pairs), [{ kind: "set", key: "externalPhone", value: externalPhone }]),
            transport,
          );
        },
      ),
      runs(25),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send(
          `/api/crm/make-call?${new URLSearchParams({ clientId: main.clientId, code: "101", phone: "89001234567" })}`,
          { method: "POST", body, headers: { "content-type": contentType } },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/user-status", () => {
  function userStatusContract(p: Params): Expected {
    if (get(p, "clientId") !== statuses.clientId) return refuse(401, "unknown clientId");
    const userId = trimmed(get(p, "userId"));
    if (userId === undefined) return refuse(400, "parameter userId is required");
    if (!/^\d{1,12}$/.test(userId)) return refuse(400, "parameter userId must be a number");
    // crm_users.crmUserId is a PostgreSQL integer.
    if (Number(userId) > INT4_MAX) return refuse(400, /userId/);
    if (!["free", "busy", "dinner", "break"].includes(get(p, "status") ?? ""))
      return refuse(400, "parameter status must be one of free, busy, dinner, break");
    const code = trimmed(get(p, "code"));
    if (code !== undefined && len(code) > 10) return refuse(400, /\bcode\b/);
    // Only the CRM makes users: a status for one it does not have makes none.
    const user = Number(userId);
    if (user < 1 || user > STATUS_USERS) return refuse(404, `no CRM user ${user} in this account`);
    return OK;
  }

  const goodStatus = fc
    .record({
      userId: fc.oneof(fc.integer({ min: 1, max: STATUS_USERS }), fc.integer({ min: 1, max: INT4_MAX })).map(String),
      status: fc.constantFrom("free", "busy", "dinner", "break"),
      code: fc.option(extension),
    })
    .map(({ userId, status, code }): Pairs => [
      ["clientId", "@statuses@"],
      ["userId", userId],
      ["status", status],
      ...(code === null ? [] : [["code", code] as [string, string]]),
    ]);
  const withStatusesIdentity = (pairs: Pairs): Pairs =>
    pairs.map(([k, v]) => [k, v === "@statuses@" ? statuses.clientId : v] as const);

  async function checkUserStatus(pairs: Pairs, transport: Transport) {
    const request = encode("/api/crm/user-status", pairs, transport);
    const expected = withinBodyLimit(request, userStatusContract(request.params));
    const before = await snapshot();
    const reply = await send(request.url, request.init);
    if (!expected.ok) {
      expectRefusal(reply, expected, { pairs, transport });
      expect(await snapshot()).toEqual(before);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify({ pairs, transport })).toEqual({
      status: 200,
      body: { success: true },
    });
    const user = await db().crmUser.findUniqueOrThrow({
      where: { accountId_crmUserId: { accountId: statuses.id, crmUserId: Number(request.params.userId!.trim()) } },
    });
    expect(user.status).toBe(request.params.status);
  }

  it("stores the status of every good report", async () => {
    await fc.assert(
      fc.asyncProperty(goodStatus, transportArb, async (pairs, transport) =>
        checkUserStatus(withStatusesIdentity(pairs), transport),
      ),
      runs(20),
    );
  });

  it("refuses hostile, missing and repeated parameters precisely and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodStatus,
        fc.array(mutationArb(["clientId", "userId", "status"]), { minLength: 1, maxLength: 3 }),
        transportArb,
        async (pairs, mutations, transport) => {
          await checkUserStatus(mutate(withStatusesIdentity(pairs), mutations), transport);
        },
      ),
      runs(70),
    );
  });

  it("refuses a hostile code with a message that names it", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodStatus,
        fc.oneof(hostile, fc.constantFrom("1".repeat(10), "1".repeat(11))),
        transportArb,
        async (pairs, code, transport) => {
          await checkUserStatus(
            mutate(withStatusesIdentity(pairs), [{ kind: "set", key: "code", value: code }]),
            transport,
          );
        },
      ),
      runs(25),
    );
  });

  it("refuses a userId beyond the numbers a CRM user id can be with 400 naming it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom("2147483648", "999999999999", "4294967296"),
          fc.bigInt({ min: BigInt(INT4_MAX) + BigInt(1), max: BigInt(999_999_999_999) }).map(String),
        ),
        async (userId) => {
          await checkUserStatus(
            [
              ["clientId", statuses.clientId],
              ["userId", userId],
              ["status", "free"],
            ],
            { kind: "get" },
          );
        },
      ),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/activity", () => {
  function activityContract(p: Params): Expected {
    if (!get(p, "clientId")) return refuse(400, "Parameter 'clientId' is missing");
    const activity = get(p, "activity");
    if (!activity) return refuse(400, "Parameter 'activity' is missing");
    let value: unknown;
    try {
      value = JSON.parse(activity);
    } catch {
      return refuse(400, "Parameter 'activity' is not valid JSON");
    }
    const v = value as { active?: unknown; freeze?: unknown } | null;
    if (
      !v ||
      typeof v !== "object" ||
      Array.isArray(v) ||
      typeof v.active !== "boolean" ||
      (v.freeze !== undefined && typeof v.freeze !== "boolean")
    ) {
      return refuse(400, 'Parameter \'activity\' must be {"active": bool, "freeze": bool}');
    }
    if (p.clientId !== switched.clientId) return refuse(401, "unknown clientId");
    return OK;
  }

  const activityValue = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record(
          { active: fc.boolean(), freeze: fc.option(fc.boolean(), { nil: undefined }) },
          { requiredKeys: ["active"] },
        )
        .map((v) => JSON.stringify(v)),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ active: fc.boolean(), freeze: fc.boolean(), extra: fc.jsonValue() })
        .map((v) => JSON.stringify(v)),
    },
  );
  const hostileActivity = fc.oneof(
    hostile,
    fc.json(),
    fc.constantFrom(
      '{"active":"yes"}',
      '{"active":1,"freeze":0}',
      '{"active":true,"freeze":null}',
      "[true,false]",
      '"{\\"active\\":true}"',
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      '{"active":true,"__proto__":{"freeze":"x"}}',
      '{"active":true',
      "{'active': true}",
    ),
  );
  // The account exists only once beforeAll ran: .map() reads it when a value is drawn.
  const systemUrl = fc.oneof(
    fc.constant(null),
    fc.constant("").map(() => switched.crmUrl),
    fc.constant("").map(() => switched.crmUrl.replace(/\/$/, "")),
    fc.constant("").map(() => `${switched.crmUrl}some/path?x=1`),
    fc.constant("").map(() => ` ${switched.crmUrl.toUpperCase()} `),
  );
  /** Not a CRM address: must never become one (stored, or sent the API key). */
  const hostileSystemUrl = fc.oneof(
    hostile,
    fc.constantFrom(
      "../../etc/passwd",
      "https://..",
      "http://x..y",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "https://user:pw@evil.example",
      "ftp://crm.example",
    ),
  );

  const goodActivity = fc
    .tuple(activityValue, systemUrl)
    .map(([activity, url]): Pairs => [
      ["clientId", "@switched@"],
      ["activity", activity],
      ...(url === null ? [] : [["systemUrl", url] as [string, string]]),
    ]);
  const withSwitchedIdentity = (pairs: Pairs): Pairs =>
    pairs.map(([k, v]) => [k, v === "@switched@" ? switched.clientId : v] as const);
  const postOnly = transportArb.filter((t) => t.kind !== "get");

  async function checkActivity(pairs: Pairs, transport: Transport, systemUrlIsHostile = false) {
    const request = encode("/api/crm/activity", pairs, transport);
    const expected = withinBodyLimit(request, activityContract(request.params));
    const before = await snapshot();
    const account = await db().account.findUniqueOrThrow({ where: { id: switched.id } });
    // The CRM changes its module first and then calls back; the service takes the CRM's word (docs/security.md).
    let claimed;
    try {
      claimed = activitySchema.safeParse(JSON.parse(request.params.activity ?? ""));
    } catch {
      claimed = undefined;
    }
    if (claimed?.success) Object.assign(switchedCrm.state.modules.get(switched.moduleCode)!, claimed.data);
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    const after = await db().account.findUniqueOrThrow({ where: { id: switched.id } });
    if (systemUrlIsHostile && reply.status !== 200) {
      // Refusing the request for its systemUrl is as good as ignoring the systemUrl: an address
      // (however odd) that the account's CRM does not name as its own is refused, unconfirmed.
      expectRefusal(reply, refuse(403, /^Parameter 'systemUrl' is not confirmed: /), context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true },
    });
    const activity = JSON.parse(request.params.activity!) as { active: boolean; freeze?: boolean };
    expect({ active: after.active, freeze: after.freeze, crmUrl: after.crmUrl }, JSON.stringify(context)).toEqual({
      active: activity.active,
      freeze: activity.freeze ?? false,
      crmUrl: account.crmUrl,
    });
  }

  it("stores every good activity of the module", async () => {
    await fc.assert(
      fc.asyncProperty(goodActivity, postOnly, async (pairs, transport) =>
        checkActivity(withSwitchedIdentity(pairs), transport),
      ),
      runs(20),
    );
  });

  it("refuses hostile, missing and repeated clientId and activity precisely and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodActivity,
        fc.array(mutationArb(["clientId", "activity"]), { minLength: 1, maxLength: 2 }),
        postOnly,
        async (pairs, mutations, transport) => {
          await checkActivity(mutate(withSwitchedIdentity(pairs), mutations), transport);
        },
      ),
      runs(60),
    );
    await fc.assert(
      fc.asyncProperty(goodActivity, hostileActivity, postOnly, async (pairs, activity, transport) => {
        await checkActivity(
          mutate(withSwitchedIdentity(pairs), [{ kind: "set", key: "activity", value: activity }]),
          transport,
        );
      }),
      runs(40),
    );
  });

  it("never takes a systemUrl that is not a CRM address as the account's CRM", async () => {
    await fc.assert(
      fc.asyncProperty(goodActivity, hostileSystemUrl, postOnly, async (pairs, url, transport) => {
        await checkActivity(
          mutate(withSwitchedIdentity(pairs), [{ kind: "set", key: "systemUrl", value: url }]),
          transport,
          true,
        );
      }),
      runs(25),
    );
  });

  it("refuses a systemUrl that another account already has (4xx naming it) and changes nothing", async () => {
    const before = await snapshot();
    const reply = await send("/api/crm/activity", {
      method: "POST",
      body: new URLSearchParams({
        clientId: switched.clientId,
        activity: '{"active":true,"freeze":false}',
        systemUrl: crm.url,
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(jsonOf(reply)).toEqual({ success: false, errorMsg: expect.stringMatching(/systemUrl/) });
    expect(await snapshot()).toEqual(before);
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send(
          `/api/crm/activity?${new URLSearchParams({ clientId: switched.clientId, activity: '{"active":true}' })}`,
          { method: "POST", body, headers: { "content-type": contentType } },
        );
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("/api/crm/config and /api/crm/register (marketplace)", () => {
  it("answers the config the same to any query", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.oneof(hostile, fc.constantFrom(...JUNK_KEYS)), hostile), { maxLength: 4 }),
        async (pairs) => {
          const query = new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString();
          fc.pre(query.length <= MAX_QUERY);
          const reply = await send(`/api/crm/config?${query}`);
          expect([reply.status, jsonOf(reply)]).toEqual([
            200,
            { success: true, scopes: expect.any(Array), registerUrl: `${env().PUBLIC_URL}/api/crm/register` },
          ]);
        },
      ),
      runs(15),
    );
  });

  const FIELDS = ["systemUrl", "apiKey", "token"] as const;
  function registerContract(p: Params): Expected {
    const register = get(p, "register");
    if (!register) return refuse(400, "Parameter 'register' is missing");
    let value: unknown;
    try {
      value = JSON.parse(register);
    } catch {
      return refuse(400, "Parameter 'register' is not valid JSON");
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      return refuse(400, /^Parameter 'register' must be a JSON object$/);
    const v = value as Record<string, unknown>;
    const limits = { systemUrl: 255, apiKey: 200, token: 200 };
    const invalid = FIELDS.filter(
      (f) => typeof v[f] !== "string" || len(v[f] as string) < 1 || len(v[f] as string) > limits[f],
    );
    if (invalid.length) return refuse(400, `Parameter 'register' is invalid: ${invalid.join(", ")}`);
    const { apiKey, token } = v as Record<(typeof FIELDS)[number], string>;
    if (token.toLowerCase() !== hmacToken(MARKETPLACE_SECRET, apiKey)) return refuse(401, "Invalid token");
    return OK;
  }

  const goodRegister = fc
    .tuple(fc.constantFrom("", "/", "/some/path", "/?a=1"), fc.boolean(), fc.boolean())
    .map(([suffix, upper, spaces]) => ({ suffix, upper, spaces }));
  const registerPairs = (fields: Record<string, unknown>): Pairs => [["register", JSON.stringify(fields)]];
  const postOnly = transportArb.filter((t) => t.kind !== "get");

  async function checkRegister(pairs: Pairs, transport: Transport, connectsTo: string | null) {
    const request = encode("/api/crm/register", pairs, transport);
    const expected = withinBodyLimit(request, registerContract(request.params));
    const before = await snapshot();
    const reply = await send(request.url, request.init);
    const context = { pairs, transport };
    if (!expected.ok) {
      expectRefusal(reply, expected, context);
      expect(await snapshot()).toEqual(before);
      return;
    }
    if (connectsTo === null) {
      // A good token for a CRM that is not one: 400 with the reason, and no account.
      expect(reply.status, JSON.stringify(context)).toBe(400);
      expect(jsonOf(reply)).toEqual({ success: false, errorMsg: expect.any(String) });
      const after = await snapshot();
      expect(after).toEqual(before);
      return;
    }
    const account = await db().account.findUniqueOrThrow({ where: { crmUrl: connectsTo } });
    expect({ status: reply.status, body: jsonOf(reply) }, JSON.stringify(context)).toEqual({
      status: 200,
      body: { success: true, accountUrl: cabinetUrl(decryptSecret(account.cabinetTokenEnc!)) },
    });
    expect(account.active).toBe(true);
  }

  it("connects the CRM of every good register request", async () => {
    await fc.assert(
      fc.asyncProperty(goodRegister, postOnly, async ({ suffix, upper, spaces }, transport) => {
        const token = hmacToken(MARKETPLACE_SECRET, DEMO.apiKey);
        const systemUrl = `${spaces ? " " : ""}${crm2.url}${suffix}`;
        await checkRegister(
          registerPairs({ systemUrl, apiKey: DEMO.apiKey, token: upper ? token.toUpperCase() : token }),
          transport,
          `${crm2.url}/`,
        );
      }),
      runs(8),
    );
  });

  it("refuses a missing, malformed, mistyped or unsigned register precisely and stores nothing", async () => {
    const field = fc.oneof(hostile, fc.constantFrom<unknown>(1, null, true, [], {}, "", "x".repeat(256)));
    const registerValue = fc.oneof(
      hostile,
      fc.json(),
      fc.record({ systemUrl: field, apiKey: field, token: field }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.tuple(field, hostile).map(([apiKey, token]) => JSON.stringify({ systemUrl: crm2.url, apiKey, token })),
      fc.constantFrom("null", "[]", "123", '"register"', "{", `${"{".repeat(3000)}`),
    );
    await fc.assert(
      fc.asyncProperty(registerValue, postOnly, fc.boolean(), async (register, transport, repeated) => {
        const pairs: Pairs = repeated
          ? [
              ["register", "{}"],
              ["register", register],
            ]
          : [["register", register]];
        await checkRegister(pairs, transport, null);
      }),
      runs(60),
    );
  });

  it("answers a correctly signed register for an address or key that is no CRM's with 400 and stores nothing", async () => {
    const notACrm = fc.oneof(
      hostile.filter((v) => v.trim() !== "" && v.length <= 255),
      fc.constantFrom(
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://user:pw@crm.example",
        "localhost:1",
        "http://127.0.0.1:1",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notACrm.map((systemUrl) => ({ systemUrl, apiKey: DEMO.apiKey })),
          hostile.filter((k) => k.length >= 1 && k.length <= 200).map((apiKey) => ({ systemUrl: crm2.url, apiKey })),
        ),
        postOnly,
        async (fields, transport) => {
          fc.pre(fields.apiKey.trim() !== DEMO.apiKey || fields.systemUrl !== crm2.url);
          await checkRegister(
            registerPairs({ ...fields, token: hmacToken(MARKETPLACE_SECRET, wire(fields.apiKey)) }),
            transport,
            null,
          );
        },
      ),
      runs(20),
    );
  });

  it("answers a multipart body it cannot parse with 400 naming the body", async () => {
    await fc.assert(
      fc.asyncProperty(malformedMultipart, async ({ contentType, body }) => {
        fc.pre(await unparseable(contentType, body));
        const reply = await send("/api/crm/register", {
          method: "POST",
          body,
          headers: { "content-type": contentType },
        });
        expectRefusal(reply, refuse(400, "the request body is not valid multipart/form-data"), { contentType });
      }),
      runs(5),
    );
  });
});

describe("after all of it", () => {
  it("every stored call, event, delivery, recording, manager and account passes its invariants, and the recordings directory holds only stored recordings", async () => {
    await expectSoundRows();
  });
});
