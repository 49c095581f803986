/** Response bodies of the HTTP transport: xml_translate() for mxml/manager, and ast_http_create_response() pages. */
import { skipBlanks, trimBlanks } from "./protocol";

export type Format = "raw" | "html" | "xml";
export type Param = readonly [name: string, value: string];

export const CONTENT_TYPE: Record<Format, string> = { raw: "text/plain", html: "text/html", xml: "text/xml" };

const ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "&": "&amp;" };

const escapeXml = (text: string): string => text.replace(/[<>"'&]/g, (c) => ENTITIES[c] ?? c);

/** xml_copy_escape() mode 1|2: lowercase, bytes other than [a-z0-9] become `_`, a leading digit gets a `_` before it. */
function attributeName(name: string): string {
  let out = "";
  Buffer.from(name, "utf8").forEach((byte, index) => {
    const c = String.fromCharCode(byte);
    if (index === 0 && /[0-9]/.test(c)) out += `_${c}`;
    else out += /[A-Za-z0-9]/.test(c) ? c.toLowerCase() : "_";
  });
  return out;
}

/** Splits like `strsep(&in, "\r\n")` followed by skipping one `\n`. */
function* lines(input: string): Generator<{ line: string; last: boolean }> {
  let rest = input;
  while (rest !== "") {
    const end = rest.search(/[\r\n]/);
    const line = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? "" : rest.slice(end + 1);
    if (rest.startsWith("\n")) rest = rest.slice(1);
    yield { line, last: rest === "" };
  }
}

/** xml_translate(): one `<response>` (XML) or a group of table rows (HTML) per AMI block. */
function translate(input: string, params: readonly Param[], xml: boolean): string {
  const lastParam = (name: string): string => params.filter(([n]) => n.toLowerCase() === name).at(-1)?.[1] ?? "";
  const dest = lastParam("ajaxdest") || "unknown";
  const objtype = lastParam("ajaxobjtype") || "generic";
  const closeBlock = xml ? " /></response>\n" : '<tr><td colspan="2"><hr></td></tr>\r\n';
  let out = "";
  let inObject = false;
  let inData = false;
  let counts = new Map<string, number>();
  for (const { line: raw, last } of lines(input)) {
    const line = trimBlanks(raw);
    if (line === "") {
      if (inData) out += xml ? "'" : "</td></tr>\n";
      inData = false;
      if (inObject) out += closeBlock;
      inObject = false;
      continue;
    }
    if (!inObject) {
      if (xml) out += `<response type='object' id='${dest}'><${objtype}`;
      counts = new Map();
      inObject = true;
    }
    if (inData) {
      out += (xml ? "\n" : "<br>\n") + escapeXml(line);
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? "Opaque-data" : trimBlanks(line.slice(0, colon));
    const value = colon < 0 ? line : skipBlanks(line.slice(colon + 1));
    inData = colon < 0;
    const count = (counts.get(name) ?? 0) + 1;
    counts.set(name, count);
    out += xml ? ` ${attributeName(name)}` : `<tr><td>${escapeXml(name)}`;
    if (count > 1) out += `-${count}`;
    out += (xml ? "='" : "</td><td>") + escapeXml(value);
    if (!inData || last) out += xml ? "'" : "</td></tr>\n";
  }
  if (inObject) out += closeBlock;
  return out;
}

const HTML_FORM =
  '<form action="manager" method="post">\n' +
  '\tAction: <select name="action">\n' +
  '\t\t<option value="">-----&gt;</option>\n' +
  '\t\t<option value="login">login</option>\n' +
  '\t\t<option value="command">Command</option>\n' +
  '\t\t<option value="waitevent">waitevent</option>\n' +
  '\t\t<option value="listcommands">listcommands</option>\n' +
  "\t</select>\n" +
  '\tor <input name="action"><br/>\n' +
  '\tCLI Command <input name="command"><br>\n' +
  '\tuser <input name="username"> pass <input type="password" name="secret"><br>\n' +
  '\t<input type="submit">\n</form>\n';

const row = (html: string): string => `<tr><td colspan="2" bgcolor="#f1f1ff">${html}</td></tr>\r\n`;

const HTML_HEAD =
  "<title>Asterisk&trade; Manager Interface</title>" +
  '<body bgcolor="#ffffff"><table align=center bgcolor="#f1f1f1" width="500">\r\n' +
  row("<h1>Manager Tester</h1>") +
  row(HTML_FORM);

const DIGEST_HTML_HEAD =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n' +
  "<html><head>\r\n" +
  "<title>Asterisk&trade; Manager Interface</title>\r\n" +
  '</head><body style="background-color: #ffffff;">\r\n' +
  '<form method="POST">\r\n' +
  '<table align="center" style="background-color: #f1f1f1;" width="500">\r\n' +
  '<tr><th colspan="2" style="background-color: #f1f1ff;"><h1>Manager Tester</h1></th></tr>\r\n' +
  '<tr><th colspan="2" style="background-color: #f1f1ff;">Action: <input name="action" /> Cmd: <input name="command" /><br>' +
  '<input type="submit" value="Send request" /></th></tr>\r\n';

/** The 200 body for an AMI result; `digest` selects the page layout of the arawman/amanager/amxml handlers. */
export function renderBody(format: Format, output: string, params: readonly Param[], digest: boolean): string {
  if (format === "raw") return output;
  if (format === "xml") return `<ajax-response>\n${translate(output, params, true)}</ajax-response>\n`;
  const body = translate(output, params, false);
  return digest
    ? `${DIGEST_HTML_HEAD}${body}</table></form></body></html>\r\n`
    : `${HTML_HEAD}${body}</table></body>\r\n`;
}

/** ast_http_create_response(): the HTML page of every non-200 answer. */
export function errorPage(status: number, title: string, text: string, servername: string): string {
  const address = servername === "" ? "" : `<address>${escapeXml(servername)}</address>\r\n`;
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n' +
    "<html><head>\r\n" +
    `<title>${status} ${title}</title>\r\n` +
    "</head><body>\r\n" +
    `<h1>${title}</h1>\r\n` +
    `<p>${text}</p>\r\n` +
    "<hr />\r\n" +
    address +
    "</body></html>\r\n"
  );
}
