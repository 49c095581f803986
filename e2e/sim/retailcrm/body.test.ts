import { describe, expect, it } from "vitest";
import { parseForm } from "./body";
import { Params, toRecord } from "./params";

describe("parseForm", () => {
  it("decodes urlencoded bodies with + as space and JSON-string fields", () => {
    const pairs = parseForm(
      "application/x-www-form-urlencoded; charset=UTF-8",
      Buffer.from("status=no+answer&event=%7B%22a%22%3A1%7D"),
    );
    expect(pairs).toEqual([
      ["status", "no answer"],
      ["event", '{"a":1}'],
    ]);
  });

  it("parses multipart with a quoted boundary, multi-line and empty values", () => {
    const body = [
      "--b0und",
      'Content-Disposition: form-data; name="event"',
      "",
      '{"phone":"1",\r\n"type":"in"}',
      "--b0und",
      'Content-Disposition: form-data; name="empty"',
      "",
      "",
      "--b0und",
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      "Content-Type: text/plain",
      "",
      "Привет",
      "--b0und--",
      "",
    ].join("\r\n");
    expect(parseForm('multipart/form-data; boundary="b0und"', Buffer.from(body))).toEqual([
      ["event", '{"phone":"1",\r\n"type":"in"}'],
      ["empty", ""],
      ["file", "Привет"],
    ]);
  });

  it("ignores JSON and unknown bodies", () => {
    expect(parseForm("application/json", Buffer.from('{"event":{}}'))).toEqual([]);
    expect(parseForm(undefined, Buffer.from("a=1"))).toEqual([]);
  });
});

describe("Params", () => {
  it("reads the last value and arrays in both bracket styles", () => {
    const params = new Params([
      ["limit", "20"],
      ["limit", "50"],
      ["filter[ids][]", "1"],
      ["filter[ids][7]", "2"],
      ["filter[idsx][]", "3"],
      ["filter[ids]", "4"],
    ]);
    expect(params.get("limit")).toBe("50");
    expect(params.list("filter[ids]")).toEqual(["1", "2"]);
    expect(
      toRecord([
        ["a", "1"],
        ["a", "2"],
        ["b", "3"],
      ]),
    ).toEqual({ a: "1,2", b: "3" });
  });
});
