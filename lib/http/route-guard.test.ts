import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveRoutes } from "@/e2e/setup/route-server";
import { guardRoute } from "./route-guard";

// A handler that refuses before reading the body, as every route does for a bad clientId.
const refuseUnread = guardRoute(async () =>
  Response.json({ success: false, errorMsg: "unknown clientId" }, { status: 401 }),
);

let app: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  app = await serveRoutes({ "/refuse": { POST: refuseUnread } });
});
afterAll(() => app.close());

describe("guardRoute", () => {
  it("reads and drops a body the handler did not read, so that its answer arrives instead of a reset", async () => {
    // One after another, so that the connections are kept alive and reused.
    const outcomes: (number | string)[] = [];
    for (let i = 0; i < 100; i++)
      outcomes.push(
        await fetch(`${app.url}/refuse`, { method: "POST", body: new Uint8Array(300 * 1024) }).then(
          (response) => response.status,
          (error: Error) => String(error.cause ?? error),
        ),
      );
    expect(outcomes).toEqual(Array(100).fill(401));
  });
});
