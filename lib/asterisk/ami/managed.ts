import { log } from "@/lib/log";
import { openAmi, type AmiTransportKind } from "./check";
import { header, type AmiAction, type AmiMessage } from "./message";
import type { AmiEndpoint, AmiTransport } from "./transport";

const KEEPALIVE_MS = 20_000;

/**
 * One logged-in AMI session kept for an account: opened on first use, kept alive with Ping (which
 * also renews an HTTP session before httptimeout ends it), and opened again after a drop or an
 * Asterisk restart. An action is sent again only when Asterisk surely did not run it: the
 * connection could not be made, or the HTTP session had expired ("Permission denied").
 */
export class ManagedAmi {
  private transport: Promise<AmiTransport> | undefined;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    readonly kind: AmiTransportKind,
    private readonly endpoint: AmiEndpoint,
  ) {
    this.keepalive = setInterval(() => void this.ping(), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  private connect(): Promise<AmiTransport> {
    this.transport ??= openAmi(this.kind, this.endpoint).catch((error: unknown) => {
      this.transport = undefined;
      throw error;
    });
    return this.transport;
  }

  private async drop(): Promise<void> {
    const current = this.transport;
    this.transport = undefined;
    await current?.then((t) => t.close()).catch(() => undefined);
  }

  private async ping(): Promise<void> {
    if (!this.transport) return;
    try {
      await this.send({ Action: "Ping" });
    } catch (error) {
      log.info({ host: this.endpoint.host, err: error }, "AMI keepalive failed; the next action reconnects");
    }
  }

  async send(action: AmiAction): Promise<AmiMessage> {
    let transport = await this.connect();
    if (transport.closed) {
      await this.drop();
      transport = await this.connect();
    }
    let reply: AmiMessage;
    try {
      reply = await transport.send(action);
    } catch (error) {
      await this.drop();
      throw error;
    }
    if (
      this.kind === "HTTP" &&
      header(reply, "Response") === "Error" &&
      header(reply, "Message") === "Permission denied"
    ) {
      await this.drop();
      reply = await (await this.connect()).send(action);
    }
    return reply;
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    await this.drop();
  }
}
