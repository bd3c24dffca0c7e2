import { CONFIG_KEYS, type KeySpec } from './keys.js';

/** Renders docs/config.md from the key table, so the documentation cannot drift from the code. */
export function renderConfigDoc(): string {
  const lines = [
    '# vdsm.conf keys',
    '',
    '<!-- Generated from common/src/config/keys.ts by `npm run docs -w @vdsm-ts/vdsm`; do not edit. -->',
    '',
    'vdsmd and supervdsmd read `/etc/vdsm/vdsm.conf` (or the file given with `--config FILE`) and then',
    '`<file>.d/*.conf` in name order. Format: INI as Python configparser reads it. Unknown sections or keys and',
    'values of the wrong type stop the daemon with a message naming the file, line and key.',
    '',
  ];
  for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
    lines.push(`## [${section}]`, '', '| key | type | default | meaning |', '|---|---|---|---|');
    for (const [key, spec] of Object.entries(keys as Record<string, KeySpec>)) {
      lines.push(`| \`${key}\` | ${typeLabel(spec)} | \`${formatDefault(spec)}\` | ${spec.doc} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function typeLabel(spec: KeySpec): string {
  if (spec.type === 'enum') return spec.values.join(' \\| ');
  if (spec.type === 'int' && (spec.min !== undefined || spec.max !== undefined)) {
    return `int (${spec.min ?? ''}..${spec.max ?? ''})`;
  }
  return spec.type;
}

function formatDefault(spec: KeySpec): string {
  if (spec.type === 'list') return spec.default.join(',');
  return String(spec.default);
}
