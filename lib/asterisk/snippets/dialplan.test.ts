import { describe, expect, it } from "vitest";
import { snippetGroups, dialplanLegacy, dialplanModern, type Snippet, type SnippetContext } from "./index";

const ctx: SnippetContext = {
  locale: "ru",
  serviceUrl: "https://bridge.example.com",
  clientId: "0123456789abcdef".repeat(4),
  amiLogin: "asterisk",
  amiTransport: "HTTP",
  channelTemplate: "PJSIP",
};

const flavours = [
  ["legacy", dialplanLegacy(ctx)],
  ["modern", dialplanModern(ctx)],
] as const;

const allCode = (snippets: readonly Snippet[]) => snippets.map((s) => s.code).join("\n\n");

/** Context name → its lines (comments kept), for one snippet. */
function contexts(code: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of code.split("\n")) {
    const header = /^\[([\w-]+)\]$/.exec(line);
    if (header) {
      current = [];
      result.set(header[1]!, current);
    } else if (line.trim()) {
      current.push(line);
    }
  }
  return result;
}

/** The text inside the parentheses that open at `start`. */
function balanced(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "(") depth++;
    if (text[i] === ")" && --depth === 0) return text.slice(start + 1, i);
  }
  throw new Error(`unbalanced: ${text}`);
}

function curlUrls(code: string): string[] {
  const urls: string[] = [];
  for (let at = code.indexOf("${CURL("); at >= 0; at = code.indexOf("${CURL(", at + 1))
    urls.push(balanced(code, at + "${CURL".length));
  return urls;
}

const withoutComment = (line: string) => line.split(";")[0]!.trimEnd();
const LINE = /^(?:exten => (?:s|h|_[0-9XZN.!]+),1|same => n(?:\([a-z]+\))?),[A-Za-z]+\(.*\)$/;
const ENCODED = /^\$\{URIENCODE\(\$\{[A-Z_0-9]+(?:\([a-z]+\))?\}\)\}$/;

describe.each(flavours)("%s dialplan", (flavour, snippets) => {
  const code = allCode(snippets);
  const defined = new Set(snippets.flatMap((s) => [...contexts(s.code).keys()]));

  it("writes every line in extensions.conf syntax", () => {
    for (const snippet of snippets) {
      for (const line of snippet.code.split("\n")) {
        if (line === "" || /^\[[\w-]+\]$/.test(line) || line.startsWith(";")) continue;
        const statement = withoutComment(line);
        expect(statement, `${snippet.id}: ${line}`).toMatch(LINE);
        expect(statement.split("(").length, `parentheses in ${line}`).toBe(statement.split(")").length);
        expect(statement.split("{").length, `braces in ${line}`).toBe(statement.split("}").length);
      }
    }
  });

  it("never writes {VAR} without $ and never uses DeadAGI", () => {
    expect(code).not.toMatch(/(?<!\$)\{/);
    expect(code).not.toContain("DeadAGI");
  });

  it("limits every CURL with conntimeout and httptimeout right before it", () => {
    let curls = 0;
    for (const snippet of snippets) {
      for (const lines of contexts(snippet.code).values()) {
        lines.forEach((line, i) => {
          if (!line.includes("${CURL(")) return;
          curls++;
          expect(lines[i - 2], line).toMatch(/^same => n,Set\(CURLOPT\(conntimeout\)=1\)/);
          expect(lines[i - 1], line).toMatch(/^same => n,Set\(CURLOPT\(httptimeout\)=2\)/);
        });
      }
    }
    expect(curls).toBe(4);
  });

  it("puts serviceUrl and clientId into every URL and URI-encodes channel data", () => {
    const urls = curlUrls(code);
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      const [path, query] = url.split("?");
      expect(["/api/manager", "/api/event"].map((p) => ctx.serviceUrl + p)).toContain(path);
      const params = new Map(query!.split("&").map((pair) => pair.split("=") as [string, string]));
      expect(params.get("clientId")).toBe(ctx.clientId);
      for (const [name, value] of params) {
        if (name === "clientId") continue;
        if (name === "type") expect(["json", "text", "in", "out"]).toContain(value);
        else if (name === "uniqueid") expect(value).toBe("${UNIQUEID}");
        else expect(value, `${name} in ${url}`).toMatch(ENCODED);
      }
    }
  });

  it("asks /api/manager for the caller in json and in text", () => {
    for (const type of ["json", "text"]) {
      expect(code).toContain(
        `\${CURL(https://bridge.example.com/api/manager?clientId=${ctx.clientId}&type=${type}&phone=\${URIENCODE(\${CALLERID(num)})}&externalPhone=\${URIENCODE(\${CRM_DID})})}`,
      );
    }
    expect(code).toContain("Set(ARRAY(V_CALLERNAME,V_CODE)=${C_RESULT})");
    expect(code).toMatch(/Set\(CALLERID\(name\)=/);
    expect(code).toContain('GotoIf($["${TOEXT}" = ""]?unknow-client,s,1)');
  });

  it("reports the incoming and the outgoing call, with the company's number of each", () => {
    expect(code).toContain(
      `/api/event?clientId=${ctx.clientId}&type=in&uniqueid=\${UNIQUEID}&phone=\${URIENCODE(\${CALLERID(num)})}&code=\${URIENCODE(\${ARG1})}&externalPhone=\${URIENCODE(\${CRM_DID})}`,
    );
    expect(code).toContain(
      `/api/event?clientId=${ctx.clientId}&type=out&uniqueid=\${UNIQUEID}&phone=\${URIENCODE(\${EXTEN})}&code=\${URIENCODE(\${FROM_EXT})}&externalPhone=\${URIENCODE(\${CRM_EXTERNAL_PHONE})}`,
    );
  });

  it("takes the manager of a click from CRM_CODE (CALLERID(num) is then the customer's), else from CALLERID(num)", () => {
    const outgoing = contexts(code).get("outgoing-call")!;
    const set = outgoing.findIndex((line) => line.startsWith("same => n,Set(FROM_EXT="));
    expect(withoutComment(outgoing[set]!)).toBe(
      'same => n,Set(FROM_EXT=${IF($["${CRM_CODE}" != ""]?${CRM_CODE}:${CALLERID(num)})})',
    );
    // Set before the out event and the h extension read it.
    expect(outgoing.findIndex((line) => line.includes("type=out"))).toBeGreaterThan(set);
  });

  it("logs hangups through AGI with the recommended argument order", () => {
    const date = "${STRFTIME(${EPOCH},,%Y-%m-%d %H:%M:%S)}";
    expect(code).toContain(
      `exten => h,1,AGI(event.sh,\${MIXMONITOR_FILENAME},\${UNIQUEID},\${CALLERID(num)},\${TOEXT},${date},in,\${DIALSTATUS},\${ANSWEREDTIME})`,
    );
    expect(code).toContain(
      `AGI(event.sh,\${MIXMONITOR_FILENAME},\${UNIQUEID},\${CALLERID(num)},\${TO_EXT},${date},in,`,
    );
    expect(code).toContain(`AGI(event.sh,\${MIXMONITOR_FILENAME},\${UNIQUEID},\${OUT_PHONE},\${FROM_EXT},${date},out,`);
    const hangupSnippets = snippets.filter((s) => s.code.includes("AGI(event.sh"));
    for (const snippet of hangupSnippets)
      expect(snippet.description).toMatch(/порядок аргументов event\.sh.*DeadAGI/is);
  });

  it("has the queue variant", () => {
    expect(code).toContain("Queue(queue_managers,tr,,,60)");
    expect(code).toContain("Set(TO_EXT=${CUT(MEMBERINTERFACE,/,2)})");
    expect(code).toContain("Set(TO_EXT=${CUT(TO_EXT,@,1)})");
    expect(code).toContain("setinterfacevar=yes");
  });

  it("keeps the guide's context names and defines every context it jumps to", () => {
    for (const name of [
      "init-channel",
      "unknow-client",
      "manager-call",
      "queue-managers",
      "incoming-call",
      "outgoing-call",
    ]) {
      expect(defined).toContain(name);
    }
    const targets = [
      ...[...code.matchAll(/Goto(?:If)?\([^)]*?([\w-]+),s,1\)/g)].map((m) => m[1]!),
      ...[...code.matchAll(/Macro\(([\w-]+)/g)].map((m) => `macro-${m[1]}`),
      ...[...code.matchAll(/Gosub\(([\w-]+)/g)].map((m) => m[1]!),
    ];
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(defined, `${flavour}: ${target}`).toContain(target);
  });

  it("has Russian titles and descriptions and unique ids", () => {
    for (const snippet of snippets) {
      expect(snippet.language).toBe("asterisk");
      expect(snippet.title).toMatch(/[а-яё]/i);
      expect(snippet.description).toMatch(/[а-яё]/i);
      expect(snippet.id.startsWith(`${flavour}-`)).toBe(true);
    }
    expect(new Set(snippets.map((s) => s.id)).size).toBe(snippets.length);
  });
});

describe("Asterisk 16–20 flavour", () => {
  const code = allCode(dialplanLegacy(ctx));

  it("uses Macro and the res_json JSONELEMENT, not Gosub", () => {
    expect(code).toContain("[macro-start-in-call]");
    expect(code).toContain("Macro(start-in-call,${TOEXT})");
    expect(code).toContain("Set(CALLERID(name)=${JSONELEMENT(C_RESULT,result/callerId)})");
    expect(code).toContain("Set(TOEXT=${JSONELEMENT(C_RESULT,result/phone)})");
    expect(code).not.toContain("Gosub");
    expect(code).not.toContain("Return(");
    expect(code).not.toContain("JSON_DECODE");
  });
});

describe("Asterisk 21+ flavour", () => {
  const code = allCode(dialplanModern(ctx));

  it("uses Gosub/Return and JSON_DECODE, no Macro and no chan_sip", () => {
    expect(contexts(code).get("sub-start-in-call")?.at(-1)).toBe("same => n,Return()");
    expect(code).toContain("Gosub(sub-start-in-call,s,1(${TOEXT}))");
    expect(code).toContain("Set(CALLERID(name)=${JSON_DECODE(C_RESULT,result.callerId)})");
    expect(code).toContain("Set(TOEXT=${JSON_DECODE(C_RESULT,result.phone)})");
    expect(code).not.toContain("Macro");
    expect(code).not.toContain("JSONELEMENT");
    expect(code).not.toMatch(/Dial\(SIP\//);
  });
});

/** Asterisk's ARRAY() split (standard argument parser): commas outside quotes and brackets separate, `"` is dropped, `\` escapes. */
function asteriskArray(names: string[], value: string): Map<string, string> {
  const parts: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\" && i + 1 < value.length) current += value[++i];
    else if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      if (c === "(") depth++;
      if (c === ")" && depth > 0) depth--;
      current += c;
    }
  }
  parts.push(current);
  return new Map(names.map((name, i) => [name, parts[i] ?? ""]));
}

describe("text answer contract: «name,extension» through ARRAY()", () => {
  const lookup = dialplanLegacy(ctx).find((s) => s.id === "legacy-lookup-text")!;
  const names = /Set\(ARRAY\(([\w,]+)\)=\$\{C_RESULT\}\)/.exec(lookup.code)![1]!.split(",");

  /** What the text snippet leaves in CALLERID(name) and TOEXT for a given service answer. */
  function run(answer: string) {
    const vars = asteriskArray(names, answer);
    const read = (assignment: RegExp) => vars.get(assignment.exec(lookup.code)![1]!) ?? "";
    return { callerName: read(/Set\(CALLERID\(name\)=\$\{(\w+)\}\)/), toExt: read(/Set\(TOEXT=\$\{(\w+)\}\)/) };
  }

  it.each([
    ["Иван Петров,101", "Иван Петров", "101"],
    ["ООО Ромашка (опт),205", "ООО Ромашка (опт)", "205"],
    ["Мария,", "Мария", ""],
    [",", "", ""],
    ["", "", ""],
  ])("%j → name %j, extension %j", (answer, callerName, toExt) => {
    expect(run(answer)).toEqual({ callerName, toExt });
  });

  it("would break on a comma in the name, which is why the service never sends one", () => {
    expect(run("Петров, Иван,101").toExt).not.toBe("101");
  });
});

describe("«Канал звонка менеджеру» in the snippets", () => {
  const templates = ["SIP", "PJSIP", "Local/{code}@from-internal"];
  const managerDials = (code: string) =>
    [...code.matchAll(/Dial\(([^,)]+)/g)].map((m) => m[1]!).filter((target) => target.includes("${TOEXT}"));

  it.each(templates)("every Dial() of a manager uses %s, in both generations", (channelTemplate) => {
    const expected = channelTemplate.includes("{code}")
      ? channelTemplate.replace("{code}", "${TOEXT}")
      : `${channelTemplate}/\${TOEXT}`;
    for (const snippets of [dialplanLegacy({ ...ctx, channelTemplate }), dialplanModern({ ...ctx, channelTemplate })]) {
      const dials = managerDials(allCode(snippets));
      expect(dials).toHaveLength(2);
      expect(new Set(dials)).toEqual(new Set([expected]));
    }
  });

  it("warns a 21+ admin whose channel is chan_sip, which 21 removed", () => {
    const note = (channelTemplate: string, f: typeof dialplanModern) =>
      f({ ...ctx, channelTemplate }).find((s) => s.id.endsWith("manager-call"))!.description;
    expect(note("SIP", dialplanModern)).toContain("В Asterisk 21 chan_sip удалён");
    expect(note("SIP/{code}", dialplanModern)).toContain("В Asterisk 21 chan_sip удалён");
    expect(note("PJSIP", dialplanModern)).not.toContain("chan_sip");
    expect(note("SIP", dialplanLegacy)).not.toContain("chan_sip");
  });

  it.each(templates)("snippets for %s", (channelTemplate) => {
    expect({
      legacy: allCode(dialplanLegacy({ ...ctx, channelTemplate })),
      modern: allCode(dialplanModern({ ...ctx, channelTemplate })),
    }).toMatchSnapshot();
  });
});

describe("snippetGroups", () => {
  it("puts every snippet of a generation in one group, once, and nothing of the other generation", () => {
    for (const [version, dialplan] of [
      ["legacy", dialplanLegacy(ctx)],
      ["modern", dialplanModern(ctx)],
    ] as const) {
      const groups = snippetGroups(ctx, version);
      const grouped = [...groups.incoming, ...groups.queue, ...groups.outgoing].map((s) => s.id);
      expect(grouped.sort()).toEqual(dialplan.map((s) => s.id).sort());
      const ids = Object.values(groups).flatMap((list) => list.map((s) => s.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => id.startsWith(version === "legacy" ? "modern-" : "legacy-"))).toEqual([]);
      expect(groups.queue.map((s) => s.id)).toEqual([`${version}-queue`]);
      expect(groups.outgoing.map((s) => s.id)).toEqual([`${version}-outgoing-call`]);
    }
  });

  it("installs event.sh with the account's clientId", () => {
    const [install] = snippetGroups(ctx, "modern").eventSh;
    expect(install?.code).toContain(`/data/event.sh?clientId=${ctx.clientId}`);
    expect(install?.code).toContain("/var/lib/asterisk/agi-bin/event.sh");
  });
});

describe("in English", () => {
  const en: SnippetContext = { ...ctx, locale: "en" };
  const CYRILLIC = /[\u0400-\u04FF]/;

  it.each(["SIP", "PJSIP", "Local/{code}@from-internal"])(
    "translates every text and comment and keeps the dialplan code as in Russian (%s)",
    (channelTemplate) => {
      for (const generate of [dialplanLegacy, dialplanModern]) {
        const russian = generate({ ...ctx, channelTemplate });
        const english = generate({ ...en, channelTemplate });
        expect(english.map((s) => [s.id, s.language])).toEqual(russian.map((s) => [s.id, s.language]));
        english.forEach((snippet, i) => {
          const ru = russian[i]!;
          expect([snippet.title, snippet.description, snippet.code].join("\n"), snippet.id).not.toMatch(CYRILLIC);
          expect(snippet.title).not.toBe(ru.title);
          expect(snippet.code.split("\n").map(withoutComment)).toEqual(ru.code.split("\n").map(withoutComment));
          // Every Russian comment has its English one on the same line.
          expect(snippet.code.split("\n").map((line) => line.includes(" ; "))).toEqual(
            ru.code.split("\n").map((line) => line.includes(" ; ")),
          );
        });
      }
    },
  );

  it("warns about chan_sip and explains event.sh in English too", () => {
    const managerCall = dialplanModern({ ...en, channelTemplate: "SIP" }).find((s) => s.id === "modern-manager-call")!;
    expect(managerCall.description).toContain("Asterisk 21 removed chan_sip");
    expect(managerCall.description).toContain("(SIP/101 for extension 101)");
    expect(managerCall.description).toMatch(/order of the event\.sh arguments.*DeadAGI/s);
    const lookup = dialplanModern(en).find((s) => s.id === "modern-lookup-json")!;
    expect(lookup.description).toContain("Set(__CRM_DID=${EXTEN})");
  });

  it("English snippets", () => {
    expect({ legacy: dialplanLegacy(en), modern: dialplanModern(en) }).toMatchSnapshot();
  });
});

describe("stereo recordings for transcripts (docs/transcripts.md)", () => {
  it("records each side on its own channel, saying what it costs, only when the account transcribes", () => {
    for (const make of [dialplanLegacy, dialplanModern]) {
      const mono = allCode(make(ctx));
      expect(mono).toContain(".wav,b) ;");
      expect(mono).not.toContain(",bD)");
      const stereo = allCode(make({ ...ctx, stereoRecording: true }));
      expect(stereo).toContain("${UNIQUEID}.wav,bD) ;");
      expect(stereo).toContain("; D: каждая сторона на своём канале (стерео)");
      expect(stereo).toContain("1,9 МБ в минуту вместо 0,96");
    }
  });
});
