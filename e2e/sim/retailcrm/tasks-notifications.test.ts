import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "./index";
import { api, registerModule, TELEPHONY_KEY } from "./test-utils";

let sim: RetailCrmSim;

beforeAll(async () => {
  sim = await createRetailCrmSim({ rateLimit: false });
  seedDemo(sim);
  sim.addKey({ key: "no-tasks", scopes: ["telephony_read", "user_read"] });
  sim.addKey(TELEPHONY_KEY);
});
afterAll(() => sim.close());

const post = (path: string, form: Record<string, string>, key = DEMO.apiKey) => api(sim, "POST", path, { key, form });

describe("retailCRM sim: tasks", () => {
  it("creates a task from the form's JSON and answers 201 with its id; reads it back", async () => {
    const task = {
      text: "Перезвонить",
      performerId: 3,
      datetime: "2026-12-05 10:14",
      phone: "89001234567",
      phoneSite: "demo-shop",
      customer: { id: 101 },
    };
    const created = await post("/api/v5/tasks/create", { task: JSON.stringify(task), site: "demo-shop" });
    expect([created.status, created.json]).toEqual([201, { success: true, id: 1 }]);
    const read = await api(sim, "GET", "/api/v5/tasks/1", { key: DEMO.apiKey });
    expect(read.json).toMatchObject({ success: true, task: { id: 1, complete: false, ...task } });
    expect(read.json.task).not.toHaveProperty("apiKey");
  });

  it("keeps a task's commentary from its creation and from each edit, and gives it back", async () => {
    const created = await post("/api/v5/tasks/create", {
      task: JSON.stringify({ text: "Перезвонить", performerId: 3, commentary: "первый" }),
    });
    const id = (created.json as { id: number }).id;
    expect(sim.state.tasks.get(id)?.commentary).toBe("первый");
    await post(`/api/v5/tasks/${id}/edit`, { task: JSON.stringify({ commentary: "Звонок: расшифровка\nКратко:\n…" }) });
    const read = await api(sim, "GET", `/api/v5/tasks/${id}`, { key: DEMO.apiKey });
    expect(read.json.task).toMatchObject({ text: "Перезвонить", commentary: "Звонок: расшифровка\nКратко:\n…" });
    sim.state.tasks.delete(id);
  });

  it("refuses what the CRM's validator refuses, naming each field", async () => {
    const blank = await post("/api/v5/tasks/create", { task: JSON.stringify({ datetime: "2026-12-05 10:14:00" }) });
    expect([blank.status, blank.json]).toEqual([
      400,
      {
        success: false,
        errorMsg: "Errors in the input parameters",
        errors: {
          text: "This value should not be blank.",
          performerId: "This value should not be blank.",
          datetime: "This value is not a valid datetime.",
        },
      },
    ]);
    const unknown = await post("/api/v5/tasks/create", {
      task: JSON.stringify({ text: "x", performerId: 8, customer: { id: 999 }, phoneSite: "nope" }),
    });
    expect(unknown.json.errors).toEqual({
      performerId: "This value is not valid.",
      phoneSite: "This value is not valid.",
      "customer.id": "This value is not valid.",
    });
    expect((await post("/api/v5/tasks/create", {})).json).toEqual({
      success: false,
      errorMsg: "Parameter 'task' is missing",
    });
    expect(sim.state.tasks.size).toBe(1);
  });

  it("edits only the fields given; an unknown task is 404", async () => {
    const edited = await post("/api/v5/tasks/1/edit", { task: JSON.stringify({ text: "Перезвонить\nещё раз" }) });
    expect([edited.status, edited.json]).toEqual([200, { success: true }]);
    expect(sim.state.tasks.get(1)).toMatchObject({
      text: "Перезвонить\nещё раз",
      performerId: 3,
      phone: "89001234567",
    });
    const missing = await post("/api/v5/tasks/99/edit", { task: JSON.stringify({ text: "x" }) });
    expect([missing.status, missing.json]).toEqual([404, { success: false, errorMsg: "Task not found" }]);
    expect((await api(sim, "GET", "/api/v5/tasks/99", { key: DEMO.apiKey })).status).toBe(404);
  });

  it("needs the task scopes", async () => {
    const denied = await post(
      "/api/v5/tasks/create",
      { task: JSON.stringify({ text: "x", performerId: 3 }) },
      "no-tasks",
    );
    expect([denied.status, denied.json]).toEqual([403, { success: false, errorMsg: "Access denied." }]);
    const edit = await post("/api/v5/tasks/1/edit", { task: JSON.stringify({ complete: true }) }, "no-tasks");
    expect([edit.status, edit.json]).toEqual([403, { success: false, errorMsg: "Access denied." }]);
    expect(sim.state.tasks.get(1)!.complete).toBe(false);
  });

  it("completes a task with complete: true, site not needed; a complete that is not a boolean is refused", async () => {
    const wrong = await post("/api/v5/tasks/1/edit", { task: JSON.stringify({ complete: "yes" }) });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({ success: false, errorMsg: "Errors in the input parameters" });
    expect(Object.keys(wrong.json.errors as object)).toEqual(["complete"]);
    const done = await post("/api/v5/tasks/1/edit", { task: JSON.stringify({ complete: true }) });
    expect([done.status, done.json]).toEqual([200, { success: true }]);
    expect(sim.state.tasks.get(1)).toMatchObject({ complete: true, text: "Перезвонить\nещё раз" });
    expect((await api(sim, "GET", "/api/v5/tasks/1", { key: DEMO.apiKey })).json).toMatchObject({
      task: { id: 1, complete: true },
    });
  });
});

describe("retailCRM sim: notifications, stores, a store's customers", () => {
  it("sends a notification to users and records it; refuses a blank one or one to nobody", async () => {
    const notification = { type: "api.error", message: "AMI недоступен", userIds: [1, 3] };
    const sent = await post("/api/v5/notifications/send", { notification: JSON.stringify(notification) });
    expect([sent.status, sent.json]).toEqual([200, { success: true }]);
    expect(sim.state.notifications).toEqual([expect.objectContaining(notification)]);
    const bad = await post("/api/v5/notifications/send", { notification: JSON.stringify({ type: "warning" }) });
    expect(bad.json).toEqual({
      success: false,
      errorMsg: "Errors in the input parameters",
      errors: {
        type: "The value you selected is not a valid choice.",
        message: "This value should not be blank.",
        userIds: "This value should not be blank.",
      },
    });
  });

  it("lists the stores keyed by code", async () => {
    const sites = await api(sim, "GET", "/api/v5/reference/sites", { key: DEMO.apiKey });
    expect(sites.json.sites).toMatchObject({
      "demo-shop": { code: "demo-shop", name: "Демо-магазин" },
      "asterisk-api-alice-trade": { code: "asterisk-api-alice-trade", name: "Alice Trade" },
    });
  });

  it("looks for a caller among one store's customers when telephony/manager names the store", async () => {
    await registerModule(sim, "asterisk", "https://pbx-bridge.example.com");
    const ask = (site?: string) =>
      api(sim, "GET", "/api/v5/telephony/manager", {
        key: DEMO.apiKey,
        query: { phone: "+79001234567", details: "1", ...(site ? { site } : {}) },
      });
    expect(((await ask("demo-shop")).json.customer as { id: number }).id).toBe(101);
    expect((await ask("asterisk-api-alice-trade")).json.customer).toBeUndefined();
    expect(((await ask()).json.customer as { id: number }).id).toBe(101);
  });
});

describe("retailCRM sim: customer notes", () => {
  it("creates a note on a customer named by id or by externalId, 201 with its id", async () => {
    const byId = await post("/api/v5/customers/notes/create", {
      note: JSON.stringify({ text: "Звонок: расшифровка", customer: { id: 101 } }),
    });
    expect([byId.status, byId.json]).toEqual([201, { success: true, id: 1 }]);
    const byExternal = await post("/api/v5/customers/notes/create", {
      note: JSON.stringify({ text: "ещё", customer: { externalId: "c-101" }, managerId: 3 }),
      site: "demo-shop",
    });
    expect(byExternal.status).toBe(201);
    expect([...sim.state.notes.values()].map((n) => [n.customer.id, n.text])).toEqual([
      [101, "Звонок: расшифровка"],
      [101, "ещё"],
    ]);
  });

  it("refuses a note without text or customer, and one on a customer it does not have", async () => {
    const blank = await post("/api/v5/customers/notes/create", { note: JSON.stringify({}) });
    expect(blank.status).toBe(400);
    expect(blank.json).toMatchObject({ success: false, errorMsg: "Errors in the input parameters" });
    expect(Object.keys(blank.json.errors as object)).toEqual(expect.arrayContaining(["text", "customer"]));
    const unknown = await post("/api/v5/customers/notes/create", {
      note: JSON.stringify({ text: "x", customer: { id: 999 } }),
    });
    expect([unknown.status, unknown.json]).toEqual([404, { success: false, errorMsg: "Customer not found" }]);
    expect((await post("/api/v5/customers/notes/create", {})).status).toBe(400);
  });

  it("needs customer_write", async () => {
    const denied = await post(
      "/api/v5/customers/notes/create",
      { note: JSON.stringify({ text: "x", customer: { id: 101 } }) },
      "no-tasks",
    );
    expect(denied.status).toBe(403);
  });
});
