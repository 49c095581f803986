import { STATUS_CODES } from "node:http";
import { CrmCallbacks } from "./callbacks";
import { Faults, type OutageMode } from "./faults";
import { SimServer } from "./server";
import { SimState } from "./state";
import {
  resolveOptions,
  type CallbackResult,
  type RecordedRequest,
  type RetailCrmSimOptions,
  type SimApiKey,
  type SimCustomer,
  type SimUser,
  type UserStatus,
} from "./types";

export { hmacToken } from "./callbacks";
export { seedDemo, DEMO } from "./demo";
export { SimState } from "./state";
export type { OutageMode } from "./faults";
export type * from "./types";

export interface RetailCrmSim {
  /** The CRM address; one simulator = one CRM account. */
  readonly url: string;
  readonly state: SimState;
  readonly requests: RecordedRequest[];
  addKey(key: SimApiKey): void;
  seedUsers(users: SimUser[]): void;
  seedCustomers(customers: SimCustomer[]): void;
  /** Stores of the account, by code or with a name (`sitesAvailable`, `info.notExistSiteCodes`, reference/sites). */
  seedSites(sites: (string | { code: string; name: string })[]): void;
  setAccountExists(exists: boolean): void;
  setLatency(ms: number, pathPrefix?: string): void;
  failNext(count: number, reply: { status: number; body?: unknown; pathPrefix?: string }): void;
  setOutage(mode: OutageMode): void;
  clearRequests(): void;
  /** Requests being answered now, and the most at once since the last clearRequests(). */
  readonly openRequests: number;
  readonly peakOpenRequests: number;
  fireMakeCall(p: {
    code: string;
    phone: string;
    userId: number;
    externalPhone?: string;
    moduleCode?: string;
    method?: "GET" | "POST";
  }): Promise<CallbackResult>;
  fireUserStatus(p: {
    userId: number;
    status: UserStatus;
    moduleCode?: string;
    method?: "GET" | "POST";
  }): Promise<CallbackResult>;
  fireActivity(p: {
    active: boolean;
    freeze: boolean;
    systemUrl?: string;
    moduleCode?: string;
  }): Promise<CallbackResult>;
  simpleConnect(p: {
    configUrl: string;
    secret: string;
    apiKey: string;
    systemUrl?: string;
    tokenOverride?: string;
  }): Promise<{ config: CallbackResult; register?: CallbackResult }>;
  openAccountUrl(p: { clientId: string; moduleCode?: string; method?: "GET" | "POST" }): Promise<CallbackResult>;
  close(): Promise<void>;
}

/**
 * One simulated CRM account on an address of its own. With `sameAccount`, the account that
 * simulator already serves, reachable at a second address: a retailCRM account answers under its
 * public and its technical URL, and keeps its keys, users and modules when its address changes.
 */
export async function createRetailCrmSim(
  options?: RetailCrmSimOptions,
  sameAccount?: RetailCrmSim,
): Promise<RetailCrmSim> {
  const state = sameAccount?.state ?? new SimState();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const server = new SimServer({ state, options: resolveOptions(options), faults, requests });
  const url = await server.listen();
  const callbacks = new CrmCallbacks(state, () => url);

  return {
    url,
    state,
    requests,
    addKey: (key) => void state.keys.set(key.key, { ...key, scopes: [...key.scopes] }),
    seedUsers: (users) => users.forEach((user) => state.users.set(user.id, { ...user })),
    seedCustomers: (customers) => customers.forEach((customer) => state.customers.set(customer.id, { ...customer })),
    seedSites: (sites) =>
      sites.forEach((site) =>
        typeof site === "string" ? state.sites.set(site, site) : state.sites.set(site.code, site.name),
      ),
    setAccountExists: (exists) => void (faults.accountExists = exists),
    setLatency: (ms, pathPrefix) => faults.setLatency(ms, pathPrefix),
    failNext: (count, { status, body, pathPrefix }) =>
      faults.failNext(
        count,
        { status, body: body ?? { success: false, errorMsg: STATUS_CODES[status] ?? "Error" } },
        pathPrefix,
      ),
    setOutage: (mode) => faults.setOutage(mode),
    clearRequests: () => {
      requests.splice(0);
      server.peakOpen = server.open;
    },
    get openRequests() {
      return server.open;
    },
    get peakOpenRequests() {
      return server.peakOpen;
    },
    fireMakeCall: (p) => callbacks.fireMakeCall(p),
    fireUserStatus: (p) => callbacks.fireUserStatus(p),
    fireActivity: (p) => callbacks.fireActivity(p),
    simpleConnect: (p) => callbacks.simpleConnect(p),
    openAccountUrl: (p) => callbacks.openAccountUrl(p),
    close: () => server.close(),
  };
}
