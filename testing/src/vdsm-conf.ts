/** vdsm.conf files for the daemons under test: INI sections written in the order given. */

/** vdsm.conf sections, each a key -> value table. */
export type ConfigSections = Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;

export function renderConfig(sections: ConfigSections): string {
  const lines: string[] = [];
  for (const [section, keys] of Object.entries(sections)) {
    lines.push(`[${section}]`);
    for (const [key, value] of Object.entries(keys)) lines.push(`${key} = ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `extra` over `base`, key by key within a section. */
export function mergeSections(base: ConfigSections, extra: ConfigSections): ConfigSections {
  const merged: Record<string, Record<string, string | number | boolean>> = {};
  for (const [section, keys] of [...Object.entries(base), ...Object.entries(extra)])
    merged[section] = { ...merged[section], ...keys };
  return merged;
}
