import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseForm, readBody } from "./body";
import { toRecord } from "./params";
import type { RetailCrmSim } from "./index";

export interface ApiCall {
  key?: string;
  /** Where the key travels; "header" sends `x-api-key`, "HEADER" sends `X-API-KEY`. */
  keyVia?: "header" | "HEADER" | "query" | "form";
  query?: [string, string][] | Record<string, string>;
  form?: Record<string, string>;
  multipart?: Record<string, string>;
}

export interface ApiReply {
  status: number;
  contentType: string;
  text: string;
  json: Record<string, unknown>;
}

/** One raw HTTP call to the simulator, shaped the way API clients send it. */
export async function api(
  sim: RetailCrmSim,
  method: "GET" | "POST" | "PUT",
  path: string,
  call: ApiCall = {},
): Promise<ApiReply> {
  const url = new URL(path, sim.url);
  const query = Array.isArray(call.query) ? call.query : Object.entries(call.query ?? {});
  for (const [name, value] of query) url.searchParams.append(name, value);
  const headers: Record<string, string> = {};
  const form = new URLSearchParams(call.form);
  const via = call.keyVia ?? "header";
  if (call.key !== undefined) {
    if (via === "header") headers["x-api-key"] = call.key;
    if (via === "HEADER") headers["X-API-KEY"] = call.key;
    if (via === "query") url.searchParams.set("apiKey", call.key);
    if (via === "form") form.set("apiKey", call.key);
  }
  let body: BodyInit | undefined;
  if (call.multipart) {
    const data = new FormData();
    for (const [name, value] of Object.entries(call.multipart)) data.append(name, value);
    body = data;
  } else if (method !== "GET") {
    body = form;
  }
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML pages stay in `text`.
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, json };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  contentType: string;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** Reply for the next requests; defaults to 200 {"success":true}. */
  respond(handler: (req: ReceivedRequest, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** A tiny module stand-in that records what the CRM sent it. */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  let handler = (_req: ReceivedRequest, res: ServerResponse): void => {
    res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
  };
  const server = createServer((req: IncomingMessage, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? "/", "http://receiver.invalid");
      const request: ReceivedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: toRecord([...url.searchParams]),
        form: toRecord(parseForm(req.headers["content-type"], body)),
        contentType: req.headers["content-type"] ?? "",
      };
      received.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respond: (next) => void (handler = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const TELEPHONY_KEY = {
  key: "tel-key",
  scopes: [
    "integration_read",
    "integration_write",
    "telephony_read",
    "telephony_write",
    "user_read",
    "user_write",
    "customer_read",
  ],
};

/** A valid `integrationModule` JSON for the edit method; override fields per test. */
export function moduleJson(
  code: string,
  baseUrl: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    code,
    integrationCode: "asterisk",
    active: true,
    name: "Asterisk",
    logo: `${baseUrl}/logo.svg`,
    clientId: "e029f3dd545147c6428d12d9524f33b806e9310947430773c6c82719e4c41904",
    baseUrl,
    accountUrl: `${baseUrl}/account`,
    actions: { activity: "/crm/activity" },
    availableCountries: ["RU"],
    integrations: {
      telephony: {
        makeCallUrl: `${baseUrl}/crm/make-call`,
        changeUserStatusUrl: `${baseUrl}/crm/user-status`,
        allowEdit: false,
        inputEventSupported: true,
        outputEventSupported: true,
        hangupEventSupported: true,
        additionalCodes: [
          { userId: 3, code: "02" },
          { userId: 4, code: "03" },
        ],
        externalPhones: [{ siteCode: "demo-shop", externalPhone: "+74951234567" }],
      },
    },
    ...overrides,
  };
}

export async function registerModule(
  sim: RetailCrmSim,
  code: string,
  baseUrl: string,
  overrides: Record<string, unknown> = {},
): Promise<ApiReply> {
  return api(sim, "POST", `/api/v5/integration-modules/${code}/edit`, {
    key: TELEPHONY_KEY.key,
    form: { integrationModule: JSON.stringify(moduleJson(code, baseUrl, overrides)) },
  });
}
