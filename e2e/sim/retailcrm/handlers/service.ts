import type { KeyHandler, PublicHandler } from "../context";
import { ok } from "../reply";

export const credentials: KeyHandler = ({ key, state }) => {
  const siteAccess = key.siteAccess ?? "access_full";
  return ok({
    scopes: key.scopes,
    credentials: key.credentials ?? [],
    siteAccess,
    sitesAvailable: siteAccess === "access_full" ? [...state.sites.keys()] : (key.sitesAvailable ?? []),
  });
};

export const apiVersions: KeyHandler = () => ok({ versions: ["3.0", "4.0", "5.0"] });

export const systemInfo: PublicHandler = ({ baseUrl, state }) =>
  ok({
    systemVersion: "8.0.0-sim",
    publicUrl: state.systemUrls.publicUrl ?? baseUrl,
    technicalUrl: state.systemUrls.technicalUrl ?? baseUrl,
  });
