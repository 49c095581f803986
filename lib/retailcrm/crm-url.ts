/**
 * Normalises what an admin types as the CRM address to "scheme://host[:port]/":
 * https is assumed when no scheme is given; paths, queries and credentials are dropped.
 * Returns null when it is not a usable web address.
 */
export function normalizeCrmUrl(input: string): string | null {
  const trimmed = input.trim();
  if (!trimmed) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (!url.hostname || url.username || url.password) return null;
  if (!url.hostname.includes(".") && url.hostname !== "localhost" && !url.hostname.startsWith("[")) return null;
  if (!url.hostname.startsWith("[") && url.hostname.split(".").some((label) => label === "")) return null;
  // "1.5" parses as the address 1.0.0.5: only an address typed out in full is taken as one.
  if (/^[\d.]+$/.test(url.hostname) && !trimmed.includes(url.hostname)) return null;
  return `${url.protocol}//${url.host}/`;
}

/**
 * The CRM an address reaches, however it is spelt: the host of the normalised address (a port
 * only when not the scheme's default), without the scheme, since http and https reach one CRM.
 * Null when normalizeCrmUrl refuses the address.
 */
export function crmHost(input: string): string | null {
  const normalized = normalizeCrmUrl(input);
  return normalized === null ? null : new URL(normalized).host;
}
