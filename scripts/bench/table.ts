// Figures, their references and targets: one row each, printed as a table and kept as JSON.
export type Unit = "req/s" | "events/s" | "ms" | "s" | "MiB" | "KiB" | "%" | "×" | "count";

export interface Target {
  text: string;
  ok: boolean;
}

export interface Row {
  section: string;
  figure: string;
  value: number;
  unit: Unit;
  /** The same figure for the references measured beside it. */
  reference?: string;
  target?: Target;
}

export const atLeast = (value: number, limit: number, text: string): Target => ({ text, ok: value >= limit });
export const atMost = (value: number, limit: number, text: string): Target => ({ text, ok: value <= limit });

export function format(value: number, unit?: Unit): string {
  if (!Number.isFinite(value)) return "—";
  const digits = Math.abs(value) >= 100 || unit === "count" ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit && unit !== "count" ? ` ${unit}` : ""}`;
}

export function verdict(row: Row): string {
  return row.target ? (row.target.ok ? "ok" : "MISSED") : "";
}

export function renderTable(rows: Row[]): string {
  const header = ["section", "figure", "value", "reference", "target", ""];
  const lines = rows.map((row) => [
    row.section,
    row.figure,
    format(row.value, row.unit),
    row.reference ?? "",
    row.target?.text ?? "",
    verdict(row),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}
