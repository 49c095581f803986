import { createHmac } from "node:crypto";
import type { SimState } from "./state";
import type { CallbackResult, IntegrationModule, UserStatus } from "./types";
import { isHttpUrl, isObject, isStringArray } from "./validate";

const CALLBACK_TIMEOUT_MS = 10_000;

/** Simple-connection token: lowercase hex HMAC-SHA256 of the API key under the partner secret. */
export function hmacToken(secret: string, apiKey: string): string {
  return createHmac("sha256", secret).update(apiKey).digest("hex");
}

async function send(
  url: string,
  method: "GET" | "POST",
  fields: Record<string, string>,
  redirect: RequestRedirect = "follow",
): Promise<CallbackResult> {
  const target = new URL(url);
  const init: RequestInit = { method, redirect, signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) };
  if (method === "GET") for (const [name, value] of Object.entries(fields)) target.searchParams.set(name, value);
  else init.body = new URLSearchParams(fields);
  const started = performance.now();
  const response = await fetch(target, init);
  const body = await response.text();
  const ms = performance.now() - started;
  const headers = Object.fromEntries(response.headers);
  const result: CallbackResult = { url: target.toString(), method, status: response.status, headers, body, ms };
  try {
    result.json = JSON.parse(body) as unknown;
  } catch {
    // Not JSON: the raw body is still in `body`.
  }
  return result;
}

/** Requests the CRM itself sends to the module. */
export class CrmCallbacks {
  constructor(
    private readonly state: SimState,
    private readonly crmUrl: () => string,
  ) {}

  private moduleFor(code: string | undefined): IntegrationModule {
    if (code !== undefined) {
      const mod = this.state.modules.get(code);
      if (!mod) throw new Error(`no integration module "${code}"`);
      return mod;
    }
    const modules = [...this.state.modules.values()];
    if (modules.length !== 1 || !modules[0])
      throw new Error(`moduleCode needed: ${modules.length} modules are registered`);
    return modules[0];
  }

  private telephonyUrl(mod: IntegrationModule, name: "makeCallUrl" | "changeUserStatusUrl"): string {
    const url = mod.integrations.telephony?.[name];
    if (!url) throw new Error(`module "${mod.code}" has no ${name}`);
    return url;
  }

  async fireMakeCall(p: {
    code: string;
    phone: string;
    userId: number;
    externalPhone?: string;
    moduleCode?: string;
    method?: "GET" | "POST";
  }): Promise<CallbackResult> {
    const mod = this.moduleFor(p.moduleCode);
    const fields: Record<string, string> = {
      clientId: mod.clientId,
      code: p.code,
      phone: p.phone,
      userId: String(p.userId),
    };
    if (p.externalPhone !== undefined) fields.externalPhone = p.externalPhone;
    return send(this.telephonyUrl(mod, "makeCallUrl"), p.method ?? "GET", fields);
  }

  /** A CRM user changed their status: the CRM stores it and tells the module. */
  async fireUserStatus(p: {
    userId: number;
    status: UserStatus;
    moduleCode?: string;
    method?: "GET" | "POST";
  }): Promise<CallbackResult> {
    const mod = this.moduleFor(p.moduleCode);
    const url = this.telephonyUrl(mod, "changeUserStatusUrl");
    const user = this.state.users.get(p.userId);
    if (user) user.status = p.status;
    this.state.userStatusChanges.push({ at: Date.now(), userId: p.userId, status: p.status, via: "crm" });
    const fields = {
      clientId: mod.clientId,
      userId: String(p.userId),
      code: this.state.codeOfUser(mod, p.userId) ?? "",
      status: p.status,
    };
    return send(url, p.method ?? "GET", fields);
  }

  /** The module was switched on/off or frozen in the CRM. */
  async fireActivity(p: {
    active: boolean;
    freeze: boolean;
    systemUrl?: string;
    moduleCode?: string;
  }): Promise<CallbackResult> {
    const mod = this.moduleFor(p.moduleCode);
    const path = mod.actions.activity;
    if (path === undefined) throw new Error(`module "${mod.code}" has no actions.activity`);
    mod.active = p.active;
    mod.freeze = p.freeze;
    return send(`${mod.baseUrl.replace(/\/+$/, "")}${path}`, "POST", {
      clientId: mod.clientId,
      systemUrl: p.systemUrl ?? this.crmUrl(),
      activity: JSON.stringify({ active: p.active, freeze: p.freeze }),
    });
  }

  /** Marketplace one-click connection (spec §10.1). `register` is left out when the config reply is unusable. */
  async simpleConnect(p: {
    configUrl: string;
    secret: string;
    apiKey: string;
    systemUrl?: string;
    tokenOverride?: string;
  }): Promise<{ config: CallbackResult; register?: CallbackResult }> {
    const config = await send(p.configUrl, "GET", {});
    const reply = isObject(config.json) ? config.json : {};
    const { success, scopes, registerUrl } = reply;
    if (success !== true || !isStringArray(scopes) || typeof registerUrl !== "string" || !isHttpUrl(registerUrl))
      return { config };

    this.state.keys.set(p.apiKey, { key: p.apiKey, scopes: [...scopes] });
    const register = await send(registerUrl, "POST", {
      register: JSON.stringify({
        systemUrl: p.systemUrl ?? this.crmUrl(),
        apiKey: p.apiKey,
        token: p.tokenOverride ?? hmacToken(p.secret, p.apiKey),
      }),
    });
    return { config, register };
  }

  /** The "Go to account" link: a browser form post of `clientId` (or a GET with it); redirects are not followed. */
  async openAccountUrl(p: { clientId: string; moduleCode?: string; method?: "GET" | "POST" }): Promise<CallbackResult> {
    const mod = this.moduleFor(p.moduleCode);
    if (!mod.accountUrl) throw new Error(`module "${mod.code}" has no accountUrl`);
    return send(mod.accountUrl, p.method ?? "POST", { clientId: p.clientId }, "manual");
  }
}
