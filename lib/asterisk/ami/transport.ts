import type { AmiAction, AmiMessage } from "./message";

/** One logged-in conversation with Asterisk's manager, whatever carries it (TCP 5038 or HTTP rawman). */
export interface AmiTransport {
  /** Sends an action and resolves with its response (matched by ActionID). */
  send(action: AmiAction): Promise<AmiMessage>;
  close(): Promise<void>;
  /** True once the connection is known to be gone (an action sent now would not reach Asterisk). */
  readonly closed: boolean;
}

export interface AmiEndpoint {
  host: string;
  port: number;
  username: string;
  secret: string;
  timeoutMs: number;
  allowPrivate: boolean;
}
