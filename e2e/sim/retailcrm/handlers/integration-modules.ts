import { SCOPES } from "../auth";
import type { KeyHandler } from "../context";
import { jsonField } from "../json-field";
import { fail, MSG, ok } from "../reply";
import type { SimState } from "../state";
import type { AdditionalCode, ExternalPhone, IntegrationModule, TelephonyConfig } from "../types";
import { Fields, isObject, Issues, TEXT } from "../validate";

function readUserId(entry: Fields): number | undefined {
  const value = entry.obj.userId;
  if (value === undefined || value === null || value === "") return entry.fail("userId", TEXT.blank);
  // PHP clients send an int, the Go client a string.
  if (Number.isInteger(value) && (value as number) > 0) return value as number;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return entry.fail("userId", TEXT.type("int"));
}

function readTelephony(f: Fields): TelephonyConfig {
  const additionalCodes = (f.objects("additionalCodes") ?? []).flatMap((entry): AdditionalCode[] => {
    const userId = readUserId(entry);
    const code = entry.string("code", true);
    return userId !== undefined && code !== undefined ? [{ userId, code }] : [];
  });
  const externalPhones = (f.objects("externalPhones") ?? []).flatMap((entry): ExternalPhone[] => {
    const siteCode = entry.string("siteCode", true);
    const externalPhone = entry.string("externalPhone", true);
    return siteCode !== undefined && externalPhone !== undefined ? [{ siteCode, externalPhone }] : [];
  });
  const telephony: TelephonyConfig = { additionalCodes, externalPhones };
  for (const key of ["makeCallUrl", "changeUserStatusUrl"] as const) {
    const url = f.url(key);
    if (url !== undefined) telephony[key] = url;
  }
  for (const key of ["allowEdit", "inputEventSupported", "outputEventSupported", "hangupEventSupported"] as const) {
    const flag = f.bool(key);
    if (flag !== undefined) telephony[key] = flag;
  }
  return telephony;
}

function readActions(f: Fields): Record<string, string> {
  const actions = f.object("actions");
  if (!actions) return {};
  const result: Record<string, string> = {};
  for (const name of Object.keys(actions.obj)) {
    const path = actions.string(name, true);
    if (path !== undefined) result[name] = path;
  }
  return result;
}

function readModule(f: Fields, code: string, previous: IntegrationModule | undefined): IntegrationModule {
  const bodyCode = f.string("code", true);
  if (bodyCode !== undefined && bodyCode !== code) f.fail("code", "This value should be equal to the code in the URL.");
  const logo = f.url("logo");
  if (logo !== undefined && !new URL(logo).pathname.toLowerCase().endsWith(".svg"))
    f.fail("logo", "The logo must be an SVG image.");
  const countries = f.strings("availableCountries") ?? [];
  if (!countries.every((c) => /^[A-Z]{2}$/.test(c))) f.fail("availableCountries", "This value is not a valid country.");

  const integrations = f.object("integrations");
  const telephony = integrations?.object("telephony");
  const { telephony: _raw, ...otherIntegrations } = integrations?.obj ?? {};
  const mod: IntegrationModule = {
    code,
    integrationCode: f.string("integrationCode", true) ?? "",
    active: f.bool("active") ?? true,
    freeze: previous?.freeze ?? false,
    native: false,
    name: f.string("name", true) ?? "",
    clientId: f.string("clientId", true) ?? "",
    baseUrl: f.url("baseUrl", true) ?? "",
    actions: readActions(f),
    availableCountries: countries,
    integrations: { ...otherIntegrations, ...(telephony ? { telephony: readTelephony(telephony) } : {}) },
  };
  if (logo !== undefined) mod.logo = logo;
  const accountUrl = f.url("accountUrl");
  if (accountUrl !== undefined) mod.accountUrl = accountUrl;
  return mod;
}

function editInfo(state: SimState, mod: IntegrationModule): Record<string, unknown> | [] {
  const telephony = mod.integrations.telephony;
  const notExistUsersIds = [...new Set(telephony?.additionalCodes.map((c) => c.userId))].filter(
    (id) => !state.users.has(id),
  );
  const notExistSiteCodes = [...new Set(telephony?.externalPhones.map((p) => p.siteCode))].filter(
    (s) => !state.sites.has(s),
  );
  const info: Record<string, unknown> = {};
  if (notExistUsersIds.length > 0) info.notExistUsersIds = notExistUsersIds;
  if (notExistSiteCodes.length > 0) info.notExistSiteCodes = notExistSiteCodes;
  // The CRM answers an empty PHP array, i.e. JSON [], when there is nothing to report.
  return Object.keys(info).length > 0 ? info : [];
}

export const getModule: KeyHandler = ({ pathArgs, state }) => {
  const mod = state.modules.get(pathArgs[0] ?? "");
  return mod ? ok({ integrationModule: mod }) : fail(404, MSG.notFound);
};

export const editModule: KeyHandler = ({ pathArgs, params, state, options }) => {
  const code = pathArgs[0] ?? "";
  const field = jsonField(params, "integrationModule");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.entityFormat, { integrationModule: TEXT.type("object") });

  const issues = new Issues();
  const previous = state.modules.get(code);
  const mod = readModule(new Fields(field.value, "", issues), code, previous);
  if (!issues.empty) return fail(400, MSG.entityFormat, issues.errors);

  // Re-inserting moves the module to the end, so the last edited active telephony wins.
  state.modules.delete(code);
  state.modules.set(code, mod);
  return ok({ info: editInfo(state, mod) }, previous ? 200 : options.editCreateStatus);
};

export const updateScopes: KeyHandler = ({ pathArgs, params, state, key }) => {
  if (!state.modules.has(pathArgs[0] ?? "")) return fail(404, MSG.notFound);
  const field = jsonField(params, "requires");
  if ("reply" in field) return field.reply;
  if (!isObject(field.value)) return fail(400, MSG.entityFormat, { requires: TEXT.type("object") });

  const issues = new Issues();
  const scopes = new Fields(field.value, "", issues).strings("scopes");
  if (scopes === undefined || scopes.length === 0) issues.add("scopes", TEXT.blank);
  else if (!scopes.every((s) => (SCOPES as readonly string[]).includes(s))) issues.add("scopes", TEXT.choice);
  if (!issues.empty || scopes === undefined) return fail(400, MSG.entityFormat, issues.errors);

  key.scopes = [...new Set([...key.scopes, ...scopes])];
  return ok({ apiKey: key.key });
};
