import { BlockedAddressError } from "@/lib/net/address-guard";
import { outboundRequest } from "@/lib/net/outbound";
import { AmiError } from "./errors";
import { AmiReader, AmiReadLimitError, header, type AmiAction, type AmiMessage } from "./message";
import type { AmiEndpoint, AmiTransport } from "./transport";

const COOKIE = /mansession_id="?([0-9a-f]+)"?/i;

/** AMI over HTTP (Asterisk's /asterisk/rawman, as the guide sets it up): one session kept by its mansession_id cookie. */
export class AmiHttpTransport implements AmiTransport {
  private session: string | undefined;
  private nextId = 1;

  private constructor(
    private readonly url: string,
    private readonly endpoint: AmiEndpoint,
  ) {}

  static async open(endpoint: AmiEndpoint, prefix = "asterisk"): Promise<AmiHttpTransport> {
    const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
    const transport = new AmiHttpTransport(`http://${host}:${endpoint.port}/${prefix}/rawman`, endpoint);
    const reply = await transport.send({
      Action: "Login",
      Username: endpoint.username,
      Secret: endpoint.secret,
      Events: "off",
    });
    if (header(reply, "Response") !== "Success")
      throw new AmiError("auth", header(reply, "Message") ?? "Authentication failed");
    return transport;
  }

  /** HTTP has no connection to lose; an expired session shows as "Permission denied". */
  readonly closed = false;

  async send(action: AmiAction): Promise<AmiMessage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...action, ActionID: String(this.nextId++) })) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) query.append(name.toLowerCase(), item);
    }
    let response;
    try {
      response = await outboundRequest(
        `${this.url}?${query}`,
        {
          headers: this.session ? { cookie: `mansession_id="${this.session}"` } : {},
          signal: AbortSignal.timeout(this.endpoint.timeoutMs),
        },
        this.endpoint.allowPrivate,
      );
    } catch (error) {
      throw transportError(error, this.endpoint.timeoutMs);
    }
    const body = await response.text();
    if (response.status !== 200) {
      throw new AmiError(
        "protocol",
        `AMI over HTTP answered ${response.status} at ${new URL(this.url).pathname} (is webenabled=yes and the prefix right?)`,
      );
    }
    this.session = COOKIE.exec(response.header("set-cookie") ?? "")?.[1] ?? this.session;
    let first: AmiMessage | undefined;
    try {
      [first] = new AmiReader().feed(body.endsWith("\n\n") || body.endsWith("\r\n\r\n") ? body : `${body}\r\n\r\n`);
    } catch (error) {
      if (!(error instanceof AmiReadLimitError)) throw error;
      throw new AmiError("too-large", `the answer holds ${error.message}`);
    }
    if (!first || header(first, "Response") === undefined)
      throw new AmiError("protocol", "the answer is not an AMI response");
    return first;
  }

  async close(): Promise<void> {
    if (this.session) await this.send({ Action: "Logoff" }).catch(() => undefined);
    this.session = undefined;
  }
}

function transportError(error: unknown, timeoutMs: number): AmiError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof BlockedAddressError || error instanceof BlockedAddressError)
    return new AmiError("blocked-address", (cause as Error).message);
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new AmiError("timeout", `no answer from AMI within ${timeoutMs} ms`);
  }
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new AmiError("unreachable", `cannot connect to AMI over HTTP${code ? ` (${code})` : ""}`);
}
