const USER_STATUSES = ["free", "busy", "dinner", "break"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export function isUserStatus(value: string): value is UserStatus {
  return (USER_STATUSES as readonly string[]).includes(value);
}

export interface RetailCrmSimOptions {
  port?: number;
  host?: string;
  authErrorStatus?: number;
  editCreateStatus?: 200 | 201;
  managerNotFound?: "empty" | "404";
  rateLimit?: { general: number; telephony: number; status: 503 | 429 } | false;
  uploadBatchLimit?: number;
  accountMissing?: "json404" | "html405";
}

export type ResolvedOptions = Required<RetailCrmSimOptions>;

export function resolveOptions(options: RetailCrmSimOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    authErrorStatus: options.authErrorStatus ?? 403,
    editCreateStatus: options.editCreateStatus ?? 201,
    managerNotFound: options.managerNotFound ?? "empty",
    rateLimit: options.rateLimit ?? { general: 10, telephony: 40, status: 503 },
    uploadBatchLimit: options.uploadBatchLimit ?? 50,
    accountMissing: options.accountMissing ?? "json404",
  };
}

export interface SimUser {
  id: number;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  email: string;
  active: boolean;
  status: UserStatus;
  online: boolean;
  isManager: boolean;
  isAdmin: boolean;
  createdAt?: string;
  groups?: { id: number; name: string; code: string }[];
}

export interface SimCustomer {
  id: number;
  externalId?: string;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  email?: string;
  managerId?: number;
  site?: string;
  phones: { number: string }[];
  type?: "customer";
}

export interface SimApiKey {
  key: string;
  scopes: string[];
  credentials?: string[];
  siteAccess?: "access_full" | "access_selective";
  sitesAvailable?: string[];
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  form: Record<string, string>;
  apiKey?: string;
  /** 0 while unanswered (hang) or when the socket was reset. */
  status: number;
  response: unknown;
}

export interface CallbackResult {
  url: string;
  method: string;
  status: number;
  /** The reply's headers (set-cookie lines joined with ", "), for redirects and cookies. */
  headers: Record<string, string>;
  body: string;
  json?: unknown;
  ms: number;
}

export interface AdditionalCode {
  userId: number;
  code: string;
}

export interface ExternalPhone {
  siteCode: string;
  externalPhone: string;
}

export interface TelephonyConfig {
  makeCallUrl?: string;
  changeUserStatusUrl?: string;
  allowEdit?: boolean;
  inputEventSupported?: boolean;
  outputEventSupported?: boolean;
  hangupEventSupported?: boolean;
  additionalCodes: AdditionalCode[];
  externalPhones: ExternalPhone[];
}

export interface IntegrationModule {
  code: string;
  integrationCode: string;
  active: boolean;
  freeze: boolean;
  native: boolean;
  name: string;
  logo?: string;
  clientId: string;
  baseUrl: string;
  accountUrl?: string;
  actions: Record<string, string>;
  availableCountries: string[];
  integrations: { telephony?: TelephonyConfig } & Record<string, unknown>;
}

export interface CallEvent {
  phone: string;
  type: "in" | "out" | "hangup";
  codes?: string[];
  userIds?: number[];
  site?: string;
  hangupStatus?: "answered" | "busy" | "cancel" | "failed" | "no answered";
  externalPhone?: string;
  callExternalId?: string;
  webAnalyticsData?: Record<string, unknown>;
}

export interface UploadedCall {
  date: string;
  type: "in" | "out";
  phone: string;
  code?: string;
  userId?: number;
  result?: "answered" | "busy" | "failed" | "no answer" | "not allowed" | "unknown";
  duration?: number;
  durationWaiting?: number;
  externalId?: string;
  recordUrl?: string;
  source?: Record<string, unknown>;
  externalPhone?: string;
  site?: string;
  clientId?: string;
}

export interface RecordedCallEvent {
  at: number;
  apiKey: string;
  moduleCode: string;
  event: CallEvent;
}

export interface StoredCall {
  at: number;
  apiKey: string;
  moduleCode: string;
  call: UploadedCall;
}

export interface UserStatusChange {
  at: number;
  userId: number;
  status: UserStatus;
  /** "api": the module set it via users/{id}/status; "crm": a CRM user changed it (fireUserStatus). */
  via: "api" | "crm";
  apiKey?: string;
}

/** A customer note as the CRM keeps it (customers/notes/create). */
export interface SimNote {
  id: number;
  text: string;
  customer: { id: number };
  managerId?: number;
  createdAt: string;
  apiKey: string;
}

/** A task as the CRM keeps it (tasks/create, tasks/{id}/edit, GET tasks/{id}). */
export interface SimTask {
  id: number;
  text: string;
  commentary?: string;
  /** "Y-m-d H:i". */
  datetime?: string;
  performerId: number;
  complete: boolean;
  phone?: string;
  phoneSite?: string;
  customer?: { id: number };
  order?: { id: number };
  createdAt: string;
  apiKey: string;
  /** Each edit's task object, in order. */
  edits: Record<string, unknown>[];
}

/** One notifications/send. */
export interface SimNotification {
  at: number;
  apiKey: string;
  type: "api.info" | "api.error";
  message: string;
  userIds?: number[];
  userGroups?: string[];
}
