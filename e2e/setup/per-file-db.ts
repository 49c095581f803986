// Vitest setup file: gives every test file a database of its own, cloned from the migrated
// template, and points DATABASE_URL (and so lib/db/client) at it.
import { afterAll, inject } from "vitest";
import { disconnectDb } from "../../lib/db/client";
import { createDatabase, dropDatabase, uniqueName } from "./databases";

const serverUrl = inject("dbServerUrl");
const name = uniqueName("bridge_t");
process.env.DATABASE_URL = await createDatabase(serverUrl, name, inject("dbTemplate"));

afterAll(async () => {
  await disconnectDb();
  await dropDatabase(serverUrl, name);
});
