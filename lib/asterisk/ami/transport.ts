import type { AmiAction, AmiMessage } from "./message";

/** One logged-in conversation with Asterisk's manager, whatever carries it (TCP 5038 or HTTP rawman). */
export interface AmiTransport {
  /** Sends an action and resolves with its response (matched by ActionID). */
  send(action: AmiAction): Promise<AmiMessage>;
  close(): Promise<void>;
}

export interface AmiEndpoint {
  host: string;
  port: number;
  username: string;
  secret: string;
  timeoutMs: number;
  allowPrivate: boolean;
}
