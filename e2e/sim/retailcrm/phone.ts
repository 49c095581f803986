export function digits(phone: string): string {
  return phone.replace(/\D/g, "");
}

/**
 * Same subscriber number: equal last 10 digits, so "+7 (900) 123-45-67", "89001234567"
 * and "79001234567" all match. Shorter numbers must match exactly.
 */
export function samePhone(a: string, b: string): boolean {
  const x = digits(a);
  const y = digits(b);
  if (x.length < 10 || y.length < 10) return x !== "" && x === y;
  return x.slice(-10) === y.slice(-10);
}

/** `filter[name]`-style phone search: the query's digits occur in the number (national prefix ignored for full numbers). */
export function phoneMatches(number: string, query: string): boolean {
  const needle = digits(query);
  if (needle.length < 3) return false;
  const haystack = digits(number);
  return haystack.includes(needle) || (needle.length >= 10 && haystack.includes(needle.slice(-10)));
}
