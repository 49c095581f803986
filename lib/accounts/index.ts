// Accounts (docs/retailcrm.md, docs/security.md): connecting a CRM, its callbacks, its users and
// their extensions, the account's settings, and the one way to a CRM client.
export { activitySchema } from "./activity";
export { loadAsteriskSettings, saveAsteriskSettings, testAmi } from "./asterisk-settings";
export { connectAccount } from "./connect";
export { handleActivity, handleConfig, handleRegister, handleUserStatus } from "./crm-callbacks";
export { crmClient } from "./crm-client";
export { crmErrorMessage } from "./crm-messages";
export { featureAccessRefusal } from "./feature-access";
export { accountGate, findAccountByClientId, isModuleEnabled } from "./lookup";
export { cabinetUrl, newCabinetToken, syncModule } from "./module";
export {
  forgetRecentAccounts,
  recentAsteriskSettings,
  recentRingProfile,
  type RingManager,
  type RingProfile,
} from "./recent";
export { featuresOn } from "./required-access";
export { rotateClientId } from "./rotate";
export {
  ExtensionTakenError,
  UnknownUserError,
  listPhones,
  phonesForCabinet,
  pushExtensions,
  refreshUsers,
  saveExtension,
  type PhoneRow,
} from "./users";
