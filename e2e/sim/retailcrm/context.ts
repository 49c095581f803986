import type { Params } from "./params";
import type { Reply } from "./reply";
import type { SimState } from "./state";
import type { ResolvedOptions, SimApiKey } from "./types";

export interface PublicContext {
  state: SimState;
  options: ResolvedOptions;
  params: Params;
  /** Captures of the route pattern, e.g. the `{code}` of integration-modules/{code}. */
  pathArgs: string[];
  /** The simulator's own address, standing in for the account URL. */
  baseUrl: string;
}

export interface KeyContext extends PublicContext {
  key: SimApiKey;
}

export type PublicHandler = (ctx: PublicContext) => Reply;
export type KeyHandler = (ctx: KeyContext) => Reply;
