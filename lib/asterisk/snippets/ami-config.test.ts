import { describe, expect, it } from "vitest";
import { cdrSync, snippetGroups, httpConf, managerConf, type SnippetContext } from "./index";

const base: SnippetContext = {
  locale: "ru",
  serviceUrl: "https://bridge.example.com",
  clientId: "0123456789abcdef".repeat(4),
  amiLogin: "asterisk",
  amiTransport: "HTTP",
  channelTemplate: "PJSIP",
};

/** Sections of an ini file: name → key → value, comments dropped. */
function parseIni(code: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of code.split("\n")) {
    const line = raw.split(";")[0]!.trim();
    if (!line) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      result.set(header[1]!, current);
      continue;
    }
    const [key, ...rest] = line.split("=");
    expect(current, `key outside a section: ${raw}`).toBeDefined();
    current!.set(key!.trim(), rest.join("=").trim());
  }
  return result;
}

function section(code: string, name: string): Map<string, string> {
  const found = parseIni(code).get(name);
  if (!found) throw new Error(`no [${name}] in\n${code}`);
  return found;
}

const classes = (value: string | undefined) => (value ?? "").split(",").map((c) => c.trim());

describe("managerConf", () => {
  const variants: SnippetContext[] = [
    base,
    { ...base, amiTransport: "TCP" },
    { ...base, queuePause: true },
    { ...base, amiTransport: "TCP", queuePause: true, serviceIp: "198.51.100.7" },
  ];

  it.each(variants)("grants the least permissions (%o)", (ctx) => {
    const user = section(managerConf(ctx).code, ctx.amiLogin);
    expect(classes(user.get("read"))).toEqual(["call"]);
    const write = classes(user.get("write"));
    expect(write).toContain("originate");
    expect(write.includes("agent")).toBe(ctx.queuePause === true);
    expect(write).toHaveLength(ctx.queuePause ? 2 : 1);
    for (const forbidden of ["all", "system", "command"]) {
      expect(classes(user.get("read"))).not.toContain(forbidden);
      expect(write).not.toContain(forbidden);
    }
  });

  it("adds write = call, with why, only when AMI mode names and routes callers", () => {
    const write = (ctx: SnippetContext) => classes(section(managerConf(ctx).code, ctx.amiLogin).get("write"));
    expect(write({ ...base, eventSource: "AMI", amiRouting: true })).toEqual(["originate", "reporting", "call"]);
    expect(write({ ...base, eventSource: "AMI" })).toEqual(["originate", "reporting"]);
    // The dialplan's own CURL names and routes in dialplan mode: the switch means nothing there.
    expect(write({ ...base, eventSource: "DIALPLAN", amiRouting: true })).toEqual(["originate"]);
    expect(managerConf({ ...base, eventSource: "BOTH", amiRouting: true }).code).toMatch(
      /; call: имя звонящего \(Setvar CALLERID\(name\)\) и звонок ответственному менеджеру \(Redirect\)/,
    );
  });

  it("explains the permissions in comments", () => {
    const { code } = managerConf(base);
    expect(code).toMatch(/;.*OriginateResponse/);
    expect(code).toMatch(/;.*system и command не нужны/);
  });

  it("lets only the service in", () => {
    const user = section(managerConf({ ...base, serviceIp: "198.51.100.7" }).code, "asterisk");
    expect(user.get("deny")).toBe("0.0.0.0/0.0.0.0");
    expect(user.get("permit")).toBe("198.51.100.7/255.255.255.255");
    expect(user.get("secret")).toBeTruthy();
    expect(section(managerConf({ ...base, serviceIp: "2001:db8::7" }).code, "asterisk").get("permit")).toBe(
      "2001:db8::7/128",
    );
  });

  it("uses a documented placeholder address and tells the admin to replace it", () => {
    const { code } = managerConf(base);
    expect(section(code, "asterisk").get("permit")).toBe("203.0.113.10/255.255.255.255");
    expect(code).toMatch(/permit = 203\.0\.113\.10\/255\.255\.255\.255 ; ЗАМЕНИТЕ/);
  });

  it("names the section after the AMI login", () => {
    const parsed = parseIni(managerConf({ ...base, amiLogin: "crm-bridge" }).code);
    expect([...parsed.keys()]).toEqual(["general", "crm-bridge"]);
  });

  it("enables the web manager only for HTTP", () => {
    const http = section(managerConf(base).code, "general");
    expect(http.get("enabled")).toBe("yes");
    expect(http.get("webenabled")).toBe("yes");
    const tcp = section(managerConf({ ...base, amiTransport: "TCP" }).code, "general");
    expect(tcp.get("enabled")).toBe("yes");
    expect(tcp.get("port")).toBe("5038");
    expect(tcp.has("webenabled")).toBe(false);
    expect(managerConf({ ...base, amiTransport: "TCP" }).code).not.toContain("webenabled");
  });
});

describe("httpConf", () => {
  it("is not needed for TCP", () => {
    expect(httpConf({ ...base, amiTransport: "TCP" })).toBeNull();
  });

  it("publishes the HTTP server with the asterisk prefix", () => {
    const snippet = httpConf(base);
    expect(snippet).not.toBeNull();
    const general = section(snippet!.code, "general");
    expect(general.get("enabled")).toBe("yes");
    expect(general.get("bindaddr")).toBeTruthy();
    expect(general.get("bindport")).toBe("8088");
    expect(general.get("prefix")).toBe("asterisk");
    expect(snippet!.language).toBe("ini");
  });
});

describe("snippetGroups().ami", () => {
  it("holds manager.conf, plus http.conf only for HTTP", () => {
    expect(snippetGroups(base, "modern").ami.map((s) => s.id)).toEqual(["manager-conf", "http-conf"]);
    expect(snippetGroups({ ...base, amiTransport: "TCP" }, "modern").ami.map((s) => s.id)).toEqual(["manager-conf"]);
  });
});

describe("cdrSync", () => {
  it("is for AMI mode, and asks cdr.conf for the uniqueid and the linkedid of every line", () => {
    expect(cdrSync(base)).toBeNull();
    const { code } = cdrSync({ ...base, eventSource: "AMI" })!;
    const csv = code.slice(code.indexOf("#    [csv]")).split("\n").slice(1, 3);
    expect(csv).toEqual(["#    loguniqueid = yes", "#    newcdrcolumns = yes"]);
  });
});

describe("in English", () => {
  const CYRILLIC = /[\u0400-\u04FF]/;
  /** The configuration without its comments: `; …` in ini, `# …` lines in bash. */
  const settings = (code: string, language: string) =>
    code.split("\n").map((line) => (language === "bash" ? (line.startsWith("#") ? "#" : line) : line.split(";")[0]!));

  it.each<SnippetContext>([
    base,
    { ...base, amiTransport: "TCP" },
    { ...base, amiTransport: "TCP", eventSource: "AMI", serviceIp: "2001:db8::7" },
    { ...base, eventSource: "BOTH", amiEventsPort: 5039, queuePause: true, serviceIp: "198.51.100.7" },
    { ...base, eventSource: "AMI", amiRouting: true },
  ])("translates every text and comment and keeps the settings as in Russian (%o)", (ctx) => {
    const russian = snippetGroups(ctx, "modern").ami;
    const english = snippetGroups({ ...ctx, locale: "en" }, "modern").ami;
    expect(english.map((s) => [s.id, s.language])).toEqual(russian.map((s) => [s.id, s.language]));
    english.forEach((snippet, i) => {
      const ru = russian[i]!;
      expect([snippet.title, snippet.description, snippet.code].join("\n"), snippet.id).not.toMatch(CYRILLIC);
      expect(settings(snippet.code, snippet.language)).toEqual(settings(ru.code, ru.language));
    });
  });

  it("names the AMI user and the placeholder address in English", () => {
    const snippet = managerConf({ ...base, locale: "en", amiLogin: "crm-bridge" });
    expect(snippet.description).toContain("The AMI user «crm-bridge»");
    expect(snippet.code).toMatch(/permit = 203\.0\.113\.10\/255\.255\.255\.255 ; REPLACE 203\.0\.113\.10 with/);
  });

  it("English manager.conf", () => {
    const en: SnippetContext = { ...base, locale: "en" };
    expect({
      dialplanEvents: managerConf(en).code,
      amiEvents: managerConf({ ...en, eventSource: "BOTH", queuePause: true, serviceIp: "198.51.100.7" }).code,
    }).toMatchSnapshot();
  });
});
