import type {
  IntegrationModule,
  RecordedCallEvent,
  SimApiKey,
  SimCustomer,
  SimNote,
  SimNotification,
  SimTask,
  SimUser,
  StoredCall,
  UserStatusChange,
} from "./types";

/** Everything one simulated CRM account holds. Tests may read and mutate it directly. */
export class SimState {
  readonly users = new Map<number, SimUser>();
  readonly customers = new Map<number, SimCustomer>();
  /** Store codes and their names. */
  readonly sites = new Map<string, string>();
  readonly keys = new Map<string, SimApiKey>();
  readonly modules = new Map<string, IntegrationModule>();
  readonly callEvents: RecordedCallEvent[] = [];
  readonly calls: StoredCall[] = [];
  readonly userStatusChanges: UserStatusChange[] = [];
  readonly tasks = new Map<number, SimTask>();
  readonly notifications: SimNotification[] = [];
  /** Each customers/create, with the key that made it. */
  readonly createdCustomers: (SimCustomer & { apiKey: string })[] = [];
  readonly notes = new Map<number, SimNote>();
  private lastTaskId = 0;
  private lastNoteId = 0;
  /** The account's time zone, as GET /api/v5/settings names it. */
  timezone = "Europe/Moscow";
  /** What /api/system-info names as the account's addresses; unset, the simulator's own URL. */
  systemUrls: { publicUrl?: string; technicalUrl?: string } = {};

  /** The telephony module the CRM would route telephony API calls to: the active one edited last. */
  activeTelephonyModule(): IntegrationModule | undefined {
    let found: IntegrationModule | undefined;
    for (const mod of this.modules.values()) {
      if (mod.active && !mod.freeze && mod.integrations.telephony) found = mod;
    }
    return found;
  }

  codeOfUser(mod: IntegrationModule, userId: number): string | undefined {
    return mod.integrations.telephony?.additionalCodes.find((c) => c.userId === userId)?.code;
  }

  nextTaskId(): number {
    return ++this.lastTaskId;
  }

  nextNoteId(): number {
    return ++this.lastNoteId;
  }

  hasCall(externalId: string): boolean {
    return this.calls.some((stored) => stored.call.externalId === externalId);
  }
}
