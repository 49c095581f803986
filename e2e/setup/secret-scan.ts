// Finds secrets in log output, raw and in every encoding a URL, a form, a JSON string or base64 gives them.

/** A secret as it would look raw, in a URL (path or query), in a form body, inside a JSON string, and in base64. */
export function encodings(secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    encodeURI(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(JSON.stringify(secret)).slice(1, -1),
    Buffer.from(secret).toString("base64"),
  ];
  return [...new Set(forms)];
}

/** The places in the output where a secret shows, with a little context (every secret in it masked, so a failure does not print them). */
export function findings(output: string, secrets: Record<string, string[]>): string[] {
  const masks = Object.entries(secrets)
    .flatMap(([kind, values]) =>
      values.flatMap((value) => encodings(value).map((form) => ({ kind, form, raw: form === value }))),
    )
    .sort((x, y) => y.form.length - x.form.length);
  const mask = (text: string) => masks.reduce((masked, { kind, form }) => masked.replaceAll(form, `<${kind}>`), text);
  const found: string[] = [];
  for (const { kind, form, raw } of masks) {
    for (let at = output.indexOf(form); at !== -1; at = output.indexOf(form, at + 1)) {
      found.push(
        `${kind} (${raw ? "raw" : "encoded"}): …${mask(output.slice(Math.max(0, at - 160), at + form.length + 80))}…`,
      );
    }
  }
  return found;
}
