import { RetailCrmError } from "@/lib/retailcrm/errors";

/** What an admin reads when a request to their CRM fails (Russian, one cause each). */
export function crmErrorMessage(error: unknown): string {
  if (!(error instanceof RetailCrmError)) return "Не удалось выполнить запрос к CRM";
  switch (error.kind) {
    case "missing-key":
    case "wrong-key":
      return "Неверный API ключ: CRM его не приняла";
    case "access-denied":
      return "API ключу запрещён этот запрос: проверьте разрешённые методы ключа в retailCRM";
    case "account-missing":
      return "Аккаунт retailCRM по этому адресу не найден: проверьте адрес CRM";
    case "method-not-found":
      return "По этому адресу не отвечает API retailCRM: проверьте адрес CRM";
    case "timeout":
      return "CRM не ответила вовремя: попробуйте ещё раз";
    case "network":
      return "Не удалось подключиться к CRM: адрес недоступен";
    case "blocked-address":
      return "Адрес CRM указывает во внутреннюю сеть: такие адреса запрещены";
    case "rate-limited":
      return "CRM временно ограничила запросы: попробуйте через минуту";
    case "server":
      return `CRM временно недоступна (HTTP ${error.status ?? "?"}): попробуйте позже`;
    case "not-found":
    case "validation":
    case "bad-response":
      return `CRM отклонила запрос: ${error.message}`;
  }
}
