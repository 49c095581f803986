import { describe, expect, it } from "vitest";
import { renderBody } from "./http-format";
import { parseCallerId } from "./originate";
import { authorityToStr, getPerm, stringsToMask } from "./permissions";
import { getHeader, getVariables, MessageReader, separateArgs } from "./protocol";

describe("MessageReader", () => {
  it("assembles messages fed one byte at a time, with CRLF or LF line ends", () => {
    const reader = new MessageReader();
    const text = "Action: Ping\r\nActionID: 1\r\n\r\naction: ping\n\n";
    const messages = [...Buffer.from(text)].flatMap((byte) => reader.feed(Buffer.from([byte])));
    expect(messages).toEqual([{ headers: ["Action: Ping", "ActionID: 1"] }, { headers: ["action: ping"] }]);
  });

  it("keeps a lone CR inside a line and treats a 1023-byte line plus CRLF as too long", () => {
    const reader = new MessageReader();
    expect(reader.feed(Buffer.from("X: a\rb\r\n\r\n"))).toEqual([{ headers: ["X: a\rb"] }]);
    const [first, second] = reader.feed(Buffer.from(`Action: Ping\r\nX: ${"a".repeat(1020)}\r\n\r\n`));
    expect(first).toEqual({ headers: ["Action: Ping"], error: "Failed to parse message: line too long" });
    expect(second).toEqual({ headers: [] });
  });
});

describe("header helpers", () => {
  it("skips empty values only when asked, as the Action lookup does", () => {
    const msg = { headers: ["Action:", "Action: Ping", "ActionID:\t 7"] };
    expect(getHeader(msg, "Action")).toBe("");
    expect(getHeader(msg, "action", true)).toBe("Ping");
    expect(getHeader(msg, "ActionID")).toBe("7");
  });

  it("splits arguments like __ast_app_separate_args()", () => {
    expect(separateArgs('a,"b,c",d\\,e,f(g,h),')).toEqual(["a", "b,c", "d,e", "f(g,h)", ""]);
    expect(separateArgs("")).toEqual([]);
    expect(getVariables({ headers: ["Variable: A=1,=2,B", "VARIABLE:C=x=y"] })).toEqual(["A=1", "C=x=y"]);
  });
});

describe("permission classes", () => {
  it("parses class lists the way get_perm() does, quirks included", () => {
    expect(getPerm("system,call")).toBe(0b11);
    expect(getPerm("none")).toBe(0);
    expect(getPerm("")).toBe(0);
    expect(getPerm("all")).toBe(0x7fffffff);
    expect(getPerm("system, call")).toBe(1);
    expect(getPerm("cal,system")).toBe(0b11);
  });

  it("renders a Privilege value with `all` and turns Events values into masks", () => {
    expect(authorityToStr(getPerm("call"))).toBe("call,all");
    expect(authorityToStr(getPerm("agent,call"))).toBe("call,agent,all");
    expect(authorityToStr(0)).toBe("<none>");
    expect(stringsToMask("")).toBe(-1);
    expect(stringsToMask("OFF")).toBe(0);
    expect(stringsToMask("on")).toBe(0x7fffffff);
    expect(stringsToMask("6")).toBe(6);
  });
});

describe("CallerID parsing", () => {
  it.each([
    ['"CRM" <101>', { name: "CRM", num: "101" }],
    ["John Doe <(050) 123-4567>", { name: "John Doe", num: "0501234567" }],
    ["+7 (495) 123-45-67", { name: "", num: "+74951234567" }],
    ['"0501234567"', { name: "0501234567", num: "" }],
    ["Reception", { name: "Reception", num: "" }],
    ["", { name: "", num: "" }],
  ])("parses %j", (input, expected) => {
    expect(parseCallerId(input)).toEqual(expected);
  });
});

describe("xml_translate()", () => {
  it("numbers repeated names, prefixes leading digits and escapes values", () => {
    const output = "Response: Success\r\nOutput: one\r\nOutput: two & <three>\r\n9lives: yes\r\nX-Y z: 1\r\n\r\n";
    expect(renderBody("xml", output, [], false)).toBe(
      "<ajax-response>\n<response type='object' id='unknown'><generic response='Success' output='one' output-2='two &amp; &lt;three&gt;' _9lives='yes' x_y_z='1' /></response>\n</ajax-response>\n",
    );
  });

  it("turns lines without a colon into Opaque-data", () => {
    expect(renderBody("xml", "Response: Follows\r\nline one\r\nline two\r\n\r\n", [["ajaxdest", "d"]], false)).toBe(
      "<ajax-response>\n<response type='object' id='d'><generic response='Follows' opaque_data='line one\nline two' /></response>\n</ajax-response>\n",
    );
  });

  it("uses the digest page layout for amanager", () => {
    const page = renderBody("html", "Response: Success\r\n\r\n", [], true);
    expect(page.startsWith('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n')).toBe(true);
    expect(
      page.endsWith(
        '<tr><td>Response</td><td>Success</td></tr>\n<tr><td colspan="2"><hr></td></tr>\r\n</table></form></body></html>\r\n',
      ),
    ).toBe(true);
  });
});
