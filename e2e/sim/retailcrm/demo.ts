import type { RetailCrmSim } from "./index";
import type { SimApiKey, SimCustomer, SimUser } from "./types";

const managers = { id: 1, name: "Менеджеры", code: "manager" };
const admins = { id: 2, name: "Администраторы", code: "admins" };

const users: SimUser[] = [
  {
    id: 1,
    firstName: "Администратор",
    email: "admin@demo.example",
    active: true,
    status: "free",
    online: true,
    isManager: false,
    isAdmin: true,
    createdAt: "2023-01-10 09:00:00",
    groups: [admins],
  },
  {
    id: 2,
    firstName: "asterisk-retailcrm",
    email: "asterisk@demo.example",
    active: true,
    status: "free",
    online: true,
    isManager: false,
    isAdmin: true,
    createdAt: "2023-01-10 09:05:00",
    groups: [admins],
  },
  {
    id: 3,
    firstName: "Инна",
    lastName: "Соколова",
    patronymic: "Сергеевна",
    email: "inna@demo.example",
    active: true,
    status: "free",
    online: true,
    isManager: true,
    isAdmin: false,
    createdAt: "2023-02-01 10:00:00",
    groups: [managers],
  },
  {
    id: 4,
    firstName: "Александра",
    lastName: "Петрова",
    patronymic: "Игоревна",
    email: "alexandra@demo.example",
    active: true,
    status: "busy",
    online: true,
    isManager: true,
    isAdmin: false,
    createdAt: "2023-02-01 10:10:00",
    groups: [managers],
  },
  {
    id: 5,
    firstName: "Юлий",
    lastName: "Кузнецов",
    patronymic: "Андреевич",
    email: "yuliy.k@demo.example",
    active: true,
    status: "free",
    online: false,
    isManager: true,
    isAdmin: false,
    createdAt: "2023-03-15 11:00:00",
    groups: [managers],
  },
  {
    id: 6,
    firstName: "Зинаида",
    lastName: "Орлова",
    patronymic: "Павловна",
    email: "zinaida@demo.example",
    active: true,
    status: "dinner",
    online: true,
    isManager: true,
    isAdmin: false,
    createdAt: "2023-04-20 12:00:00",
    groups: [managers],
  },
  {
    id: 7,
    firstName: "Юлий",
    lastName: "Морозов",
    patronymic: "Олегович",
    email: "yuliy.m@demo.example",
    active: true,
    status: "free",
    online: true,
    isManager: true,
    isAdmin: false,
    createdAt: "2023-05-05 13:00:00",
    groups: [managers],
  },
  {
    id: 8,
    firstName: "Вера",
    lastName: "Лебедева",
    email: "vera@demo.example",
    active: false,
    status: "free",
    online: false,
    isManager: true,
    isAdmin: false,
    createdAt: "2022-11-01 08:00:00",
    groups: [managers],
  },
];

const customers: SimCustomer[] = [
  {
    id: 101,
    externalId: "c-101",
    firstName: "Иван",
    lastName: "Иванов",
    patronymic: "Иванович",
    email: "ivanov@example.ru",
    managerId: 3,
    site: "demo-shop",
    phones: [{ number: "+7 (900) 123-45-67" }],
  },
  {
    id: 102,
    externalId: "c-102",
    firstName: "Мария",
    lastName: "Смирнова",
    managerId: 4,
    site: "demo-shop",
    phones: [{ number: "89001234568" }],
  },
  {
    id: 103,
    externalId: "c-103",
    firstName: "Пётр",
    lastName: "Васильев",
    managerId: 5,
    site: "demo-shop",
    phones: [{ number: "8 (912) 555-00-11" }, { number: "+79125550012" }],
  },
  {
    id: 104,
    externalId: "c-104",
    firstName: "Ольга",
    lastName: "Никитина",
    email: "olga@example.ru",
    managerId: 7,
    site: "demo-shop",
    phones: [{ number: "79161112233" }],
  },
  {
    id: 105,
    firstName: "Анна",
    lastName: "Фёдорова",
    site: "asterisk-api-alice-trade",
    phones: [{ number: "+7 916 444-55-66" }],
  },
  {
    id: 106,
    externalId: "c-106",
    firstName: "Сергей",
    lastName: "Павлов",
    managerId: 6,
    site: "demo-shop",
    phones: [{ number: "89031234567" }],
  },
];

const key: SimApiKey = {
  key: "demo-key",
  scopes: [
    "integration_read",
    "integration_write",
    "telephony_read",
    "telephony_write",
    "user_read",
    "customer_read",
    "customer_write",
    "reference_read",
    "task_read",
    "task_write",
    "notification_write",
  ],
  credentials: [
    "/api/users",
    "/api/customers",
    "/api/integration-modules/{code}",
    "/api/integration-modules/{code}/edit",
    "/api/telephony/call/event",
    "/api/telephony/calls/upload",
    "/api/telephony/manager",
    "/api/reference/sites",
    "/api/tasks/create",
    "/api/tasks/{id}/edit",
    "/api/tasks/{id}",
    "/api/customers/notes/create",
    "/api/notifications/send",
  ],
  siteAccess: "access_full",
};

/**
 * The demo account. Extensions live in the module's `additionalCodes`, which the bridge registers;
 * `extensions` is the suggested mapping (from the setup guide). Users 1, 7 and 8 have none.
 */
export const DEMO = {
  apiKey: key.key,
  key,
  sites: [
    { code: "demo-shop", name: "Демо-магазин" },
    { code: "asterisk-api-alice-trade", name: "Alice Trade" },
  ],
  users,
  customers,
  extensions: { 2: "01", 3: "02", 4: "03", 5: "04", 6: "05" } as Readonly<Record<number, string>>,
} as const;

export function seedDemo(sim: Pick<RetailCrmSim, "addKey" | "seedUsers" | "seedCustomers" | "seedSites">): void {
  sim.seedSites([...DEMO.sites]);
  sim.addKey(DEMO.key);
  sim.seedUsers(DEMO.users);
  sim.seedCustomers(DEMO.customers);
}
