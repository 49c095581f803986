/** Permission classes and event masks, as in the `perms[]` table of main/manager.c. */

export const EVENT_FLAG = {
  system: 1 << 0,
  call: 1 << 1,
  agent: 1 << 5,
  reporting: 1 << 9,
  dialplan: 1 << 11,
  originate: 1 << 12,
  agi: 1 << 13,
} as const;

const ALL = 0x7fffffff;

const PERMS: ReadonlyArray<readonly [string, number]> = [
  ["system", 1 << 0],
  ["call", 1 << 1],
  ["log", 1 << 2],
  ["verbose", 1 << 3],
  ["command", 1 << 4],
  ["agent", 1 << 5],
  ["user", 1 << 6],
  ["config", 1 << 7],
  ["dtmf", 1 << 8],
  ["reporting", 1 << 9],
  ["cdr", 1 << 10],
  ["dialplan", 1 << 11],
  ["originate", 1 << 12],
  ["agi", 1 << 13],
  ["cc", 1 << 15],
  ["aoc", 1 << 16],
  ["test", 1 << 17],
  ["security", 1 << 18],
  ["message", 1 << 19],
  ["all", ALL],
  ["none", 0],
];

/**
 * ast_instring(): every item but the last matches when it is a prefix of the label
 * (so an empty item matches everything); the last item must equal it. No trimming.
 */
function inList(list: string, label: string): boolean {
  let rest = list;
  for (;;) {
    const comma = rest.indexOf(",");
    if (comma < 0) return rest === label;
    if (label.startsWith(rest.slice(0, comma))) return true;
    rest = rest.slice(comma + 1);
    if (rest === "") return false;
  }
}

/** get_perm(): a class list such as "system,call" to a mask. */
export function getPerm(list: string): number {
  return PERMS.reduce((mask, [label, flag]) => (inList(list, label) ? mask | flag : mask), 0);
}

const TRUE_WORDS = new Set(["yes", "true", "y", "t", "1", "on"]);
const FALSE_WORDS = new Set(["no", "false", "n", "f", "0", "off"]);

export const isTrue = (value: string): boolean => TRUE_WORDS.has(value.toLowerCase());
const isFalse = (value: string): boolean => FALSE_WORDS.has(value.toLowerCase());

/** strings_to_mask(): -1 for empty (leave the mask alone), digits as a raw mask, on/off, or a class list. */
export function stringsToMask(value: string): number {
  if (value === "") return -1;
  if (/^[0-9]+$/.test(value)) return Number.parseInt(value, 10) | 0;
  if (isFalse(value)) return 0;
  if (isTrue(value)) return PERMS.reduce((mask, [, flag]) => mask | flag, 0);
  return getPerm(value);
}

/** authority_to_str(): e.g. `call,all`; every non-empty authority also lists `all`. */
export function authorityToStr(authority: number): string {
  const labels = PERMS.filter(([label, flag]) => label !== "none" && (authority & flag) !== 0).map(([label]) => label);
  return labels.length > 0 ? labels.join(",") : "<none>";
}

export const allows = (mask: number, category: number): boolean => (mask & category) === category;
