// next-auth reads a body declared JSON with JSON.parse and throws on what it cannot parse: the
// route refuses such a body with a precise 400 before next-auth sees it.
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { POST } from "./route";

// Every action next-auth takes by POST, and one it does not know: each parses the body first.
const ACTIONS = ["signin", "signin/crm", "callback/crm", "signout", "session", "_log", "nope"];

function post(action: string, body: string, contentType: string) {
  return POST(
    new NextRequest(`http://127.0.0.1/api/auth/${action}`, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }),
    { params: Promise.resolve({ nextauth: action.split("/") }) },
  );
}

describe("POST /api/auth/*", () => {
  it.each(ACTIONS)("/api/auth/%s refuses a JSON body it cannot parse with 400", async (action) => {
    for (const [body, contentType] of [
      ["{", "application/json"],
      ["", "application/json"],
      ['{"csrfToken":', "application/json; charset=utf-8"],
      // Media types are case-insensitive (RFC 9110 §8.3.1): a form declared JSON is no JSON.
      ["crmUrl=x&apiKey=y", "Application/JSON"],
    ] as const) {
      const answer = await post(action, body, contentType);
      expect([answer.status, await answer.json()], `${body} as ${contentType}`).toEqual([
        400,
        { success: false, errorMsg: "the request body is not valid JSON" },
      ]);
    }
  });
});
