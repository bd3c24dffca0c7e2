/** Output for the CLI: JSON (--json) or an aligned text table. */
export type Row = Record<string, string | number | boolean | undefined>;

export function table(rows: readonly Row[], columns: readonly string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
