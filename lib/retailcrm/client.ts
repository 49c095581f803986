import type { z } from "zod";
import { BlockedAddressError } from "@/lib/net/address-guard";
import { outboundRequest } from "@/lib/net/outbound";
import { classifyErrorReply, RetailCrmError } from "./errors";
import type { CallEventBody, CallUploadBody } from "./telephony";
import {
  callEventReplySchema,
  callsUploadReplySchema,
  credentialsSchema,
  errorReplySchema,
  systemInfoSchema,
  moduleEditSchema,
  moduleSchema,
  settingsSchema,
  sitesSchema,
  successSchema,
  taskCreatedSchema,
  customerCreatedSchema,
  taskSchema,
  telephonyManagerSchema,
  usersPageSchema,
  type CrmNotification,
  type CrmTaskInput,
  type CrmCustomerInput,
  type CrmNoteInput,
  type CrmUserRecord,
} from "./schemas";
import { countCrmAnswer } from "@/lib/metrics";

export interface RetailCrmClientOptions {
  /** CRM address, e.g. https://demo.retailcrm.ru (a trailing slash is fine). */
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  allowPrivate: boolean;
  /**
   * Waits for a slot of the key's shared rate limit; called before every attempt, its own
   * retries after a 503 or 429 included, so that the CRM never gets more than the key allows.
   */
  beforeAttempt?: (path: string) => Promise<void>;
  /** How often a 503 or 429 is tried again here before it is thrown (5 unless set). */
  rateLimitRetries?: number;
  /** The stored account's CRM address, for the operator's metrics; unset: an address not yet connected. */
  metricsAccount?: string;
}

type Query = Record<string, string | number | undefined>;
type Form = Record<string, string>;

const PAGE_LIMIT = 100;
const RATE_LIMIT_RETRIES = 5;

/** Typed client of the retailCRM API v5 subset the telephony module uses (key in X-API-KEY, JSON-string form fields). */
export class RetailCrmClient {
  private readonly baseUrl: string;

  constructor(private readonly options: RetailCrmClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  credentials() {
    return this.request("GET", "/api/credentials", credentialsSchema);
  }

  /** The CRM's own public and technical addresses, as it states them. */
  systemInfo() {
    return this.request("GET", "/api/system-info", systemInfoSchema);
  }

  /** The account's system settings: its time zone (docs/retailcrm.md, «Часовой пояс»). */
  settings() {
    return this.request("GET", "/api/v5/settings", settingsSchema);
  }

  usersPage(page: number, limit = PAGE_LIMIT) {
    return this.request("GET", "/api/v5/users", usersPageSchema, { query: { page, limit } });
  }

  /** Every user, reading all pages. */
  async allUsers(): Promise<CrmUserRecord[]> {
    const first = await this.usersPage(1);
    const users = [...first.users];
    for (let page = 2; page <= first.pagination.totalPageCount; page++)
      users.push(...(await this.usersPage(page)).users);
    return users;
  }

  integrationModule(code: string) {
    return this.request("GET", `/api/v5/integration-modules/${encodeURIComponent(code)}`, moduleSchema);
  }

  editIntegrationModule(code: string, integrationModule: object) {
    return this.request("POST", `/api/v5/integration-modules/${encodeURIComponent(code)}/edit`, moduleEditSchema, {
      form: { integrationModule: JSON.stringify(integrationModule) },
    });
  }

  /** The customer of a number and their manager; `site` narrows it to one store's customers. */
  telephonyManager(phone: string, options: { details?: boolean; ignoreStatus?: boolean; site?: string } = {}) {
    return this.request("GET", "/api/v5/telephony/manager", telephonyManagerSchema, {
      query: {
        phone,
        details: options.details ? 1 : 0,
        ignoreStatus: options.ignoreStatus ? 1 : 0,
        ...(options.site ? { site: options.site } : {}),
      },
    });
  }

  /** The account's stores. */
  sites() {
    return this.request("GET", "/api/v5/reference/sites", sitesSchema);
  }

  createTask(task: CrmTaskInput, site?: string) {
    return this.request("POST", "/api/v5/tasks/create", taskCreatedSchema, {
      form: { task: JSON.stringify(task), ...(site ? { site } : {}) },
    });
  }

  /** A customer in the store `site` when given (docs/retailcrm.md, «Новый клиент»). */
  createCustomer(customer: CrmCustomerInput, site?: string) {
    return this.request("POST", "/api/v5/customers/create", customerCreatedSchema, {
      form: { customer: JSON.stringify(customer), ...(site ? { site } : {}) },
    });
  }

  /** POST customers/notes/create: form `note` (JSON); 201 with the note's id. */
  createCustomerNote(note: CrmNoteInput, site?: string) {
    return this.request("POST", "/api/v5/customers/notes/create", taskCreatedSchema, {
      form: { note: JSON.stringify(note), ...(site ? { site } : {}) },
    });
  }

  editTask(id: number, task: CrmTaskInput) {
    return this.request("POST", `/api/v5/tasks/${id}/edit`, successSchema, { form: { task: JSON.stringify(task) } });
  }

  task(id: number) {
    return this.request("GET", `/api/v5/tasks/${id}`, taskSchema);
  }

  sendNotification(notification: CrmNotification) {
    return this.request("POST", "/api/v5/notifications/send", successSchema, {
      form: { notification: JSON.stringify(notification) },
    });
  }

  callEvent(event: CallEventBody) {
    return this.request("POST", "/api/v5/telephony/call/event", callEventReplySchema, {
      form: { event: JSON.stringify(event) },
    });
  }

  callsUpload(calls: CallUploadBody[]) {
    return this.request("POST", "/api/v5/telephony/calls/upload", callsUploadReplySchema, {
      form: { calls: JSON.stringify(calls) },
    });
  }

  /** Over the CRM's per-key limit (503/429) it backs off and tries again, as the official Go client does. */
  private async request<S extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    schema: S,
    options: { query?: Query; form?: Form } = {},
  ): Promise<z.infer<S>> {
    const base = path.startsWith("/api/v5/telephony") ? 1_000 / 40 : 1_000 / 10;
    for (let attempt = 0; ; attempt++) {
      await this.options.beforeAttempt?.(path);
      try {
        return await this.requestOnce(method, path, schema, options);
      } catch (error) {
        const retries = this.options.rateLimitRetries ?? RATE_LIMIT_RETRIES;
        if (!(error instanceof RetailCrmError) || error.kind !== "rate-limited" || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, base * 2 ** attempt));
      }
    }
  }

  private async requestOnce<S extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    schema: S,
    { query, form }: { query?: Query; form?: Form } = {},
  ): Promise<z.infer<S>> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const timeoutMs = this.options.timeoutMs ?? 10_000;

    let status: number | undefined;
    let text: string;
    let contentType: string;
    try {
      const response = await outboundRequest(
        url.toString(),
        {
          method,
          headers: {
            "X-API-KEY": this.options.apiKey,
            accept: "application/json",
            ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          },
          body: form ? new URLSearchParams(form).toString() : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        },
        this.options.allowPrivate,
      );
      status = response.status;
      countCrmAnswer(this.options.metricsAccount, status);
      contentType = response.header("content-type") ?? "";
      text = await response.text();
    } catch (error) {
      const failure = transportError(error, timeoutMs);
      // An answer whose body then failed to arrive was counted by its status already.
      if (status === undefined)
        countCrmAnswer(this.options.metricsAccount, failure.kind === "timeout" ? "timeout" : "network");
      throw failure;
    }

    if (status === 503 || status === 429) throw new RetailCrmError("rate-limited", "Rate limit exceeded", status);
    const body = parseJson(text);
    if (body === undefined) {
      if (status >= 500) throw new RetailCrmError("server", `retailCRM answered HTTP ${status}`, status);
      if (contentType.includes("html") || text.trimStart().startsWith("<"))
        throw new RetailCrmError("account-missing", "Account does not exist.", status);
      throw new RetailCrmError(
        "bad-response",
        `retailCRM answered HTTP ${status} with a body that is not JSON`,
        status,
      );
    }
    const failure = errorReplySchema.safeParse(body);
    if (failure.success || status >= 400) {
      const errorMsg = failure.success ? failure.data.errorMsg : undefined;
      throw new RetailCrmError(
        classifyErrorReply(status, errorMsg),
        errorMsg ?? `retailCRM answered HTTP ${status}`,
        status,
        failure.data?.errors,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new RetailCrmError(
        "bad-response",
        `Unexpected reply from ${path}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
        status,
      );
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function transportError(error: unknown, timeoutMs: number): RetailCrmError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof BlockedAddressError || error instanceof BlockedAddressError) {
    return new RetailCrmError("blocked-address", (cause as Error).message);
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new RetailCrmError("timeout", `retailCRM did not answer within ${timeoutMs} ms`);
  }
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new RetailCrmError("network", `retailCRM is unreachable${code ? ` (${code})` : ""}`);
}
