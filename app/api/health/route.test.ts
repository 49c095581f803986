import { afterEach, describe, expect, it } from "vitest";
import { disconnectDb } from "@/lib/db/client";
import { GET } from "./route";

describe("GET /api/health", () => {
  const realUrl = process.env.DATABASE_URL!;
  afterEach(async () => {
    process.env.DATABASE_URL = realUrl;
    await disconnectDb();
  });

  it("answers ok when the database answers", async () => {
    const response = await GET(new Request("http://127.0.0.1/api/health"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", db: "ok" });
  });

  it("answers 503 naming the database when it does not", async () => {
    const url = new URL(realUrl);
    url.port = "1";
    process.env.DATABASE_URL = url.toString();
    const response = await GET(new Request("http://127.0.0.1/api/health"));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "error", db: "error", error: "database unreachable" });
  });
});
