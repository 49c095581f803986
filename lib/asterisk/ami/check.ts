import { AmiError } from "./errors";
import { AmiHttpTransport } from "./http";
import { header } from "./message";
import { AmiTcpTransport } from "./tcp";
import type { AmiEndpoint, AmiTransport } from "./transport";

export type AmiTransportKind = "HTTP" | "TCP";

export function openAmi(kind: AmiTransportKind, endpoint: AmiEndpoint): Promise<AmiTransport> {
  return kind === "TCP" ? AmiTcpTransport.open(endpoint) : AmiHttpTransport.open(endpoint);
}

/** Proves the AMI access works: log in, Ping, log off. Throws AmiError saying what failed. */
export async function checkAmiAccess(kind: AmiTransportKind, endpoint: AmiEndpoint): Promise<void> {
  const ami = await openAmi(kind, endpoint);
  try {
    const pong = await ami.send({ Action: "Ping" });
    if (header(pong, "Response") !== "Success")
      throw new AmiError("permission", header(pong, "Message") ?? "Ping failed");
  } finally {
    await ami.close();
  }
}

export const AMI_NO_ACCESS = "Нет доступа до AMI: проверьте адрес, порт, логин или пароль";

/** The guide's message, with what exactly went wrong in brackets. */
export function amiErrorMessage(error: unknown): string {
  if (!(error instanceof AmiError)) return AMI_NO_ACCESS;
  const detail: Record<AmiError["kind"], string> = {
    unreachable: "сервер не принимает соединение",
    "blocked-address": "адрес во внутренней сети запрещён",
    timeout: "сервер не ответил вовремя",
    auth: "логин или пароль не приняты, либо адрес сервиса не разрешён в permit",
    permission: "у пользователя AMI нет нужных прав",
    protocol: "по этому адресу и порту не отвечает AMI",
    closed: "Asterisk закрыл соединение",
    refused: "Asterisk сразу закрыл соединение",
  };
  return `${AMI_NO_ACCESS} (${detail[error.kind]})`;
}
