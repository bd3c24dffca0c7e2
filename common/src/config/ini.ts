/**
 * A reader for the INI dialect of Python's configparser, which vdsm.conf uses, keeping the line of every
 * entry so errors can point at it. Supports `key = value` and `key: value`, `#` and `;` comment lines,
 * indented continuation lines and a DEFAULT-less flat section model (what vdsm.conf needs).
 */
export interface IniEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export class IniSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'IniSyntaxError';
  }
}

const SECTION = /^\[([^\]]+)\]\s*$/;
const ENTRY = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

export function parseIni(text: string, file: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section: string | undefined;
  let last: { section: string; key: string; value: string; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      last = flush(entries, last);
      continue;
    }
    if (/^\s/.test(raw) && last !== undefined) {
      last.value = `${last.value}\n${trimmed}`;
      continue;
    }
    last = flush(entries, last);
    const sectionMatch = SECTION.exec(trimmed);
    if (sectionMatch) {
      section = (sectionMatch[1] ?? '').trim();
      continue;
    }
    const entryMatch = ENTRY.exec(trimmed);
    if (!entryMatch) throw new IniSyntaxError(file, lineNo, `cannot parse line: ${JSON.stringify(trimmed)}`);
    if (section === undefined) throw new IniSyntaxError(file, lineNo, 'entry before any [section] header');
    last = { section, key: (entryMatch[1] ?? '').toLowerCase(), value: entryMatch[2] ?? '', line: lineNo };
  }
  flush(entries, last);
  return entries;
}

function flush(entries: IniEntry[], entry: IniEntry | undefined): undefined {
  if (entry !== undefined) entries.push({ ...entry });
  return undefined;
}
