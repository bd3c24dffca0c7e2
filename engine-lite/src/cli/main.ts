/** `engine-lite`: `serve` runs the engine; every other command talks to a running one through the SDK. */
import { readFile } from 'node:fs/promises';
import { ApiError, EngineClient } from '../sdk/client.js';
import { COMMANDS, type CommandContext } from './commands.js';
import { SERVE_USAGE } from './serve-usage.js';

const CLIENT_USAGE = `client options (before or after the command):
  --url URL              engine-lite address (env ENGINE_LITE_URL, default http://127.0.0.1:8080)
  --user NAME            (env ENGINE_LITE_USER, default admin@internal)
  --password-file FILE   (or env ENGINE_LITE_PASSWORD)
  --json                 JSON output instead of tables`;

export function usage(): string {
  return [
    'usage: engine-lite COMMAND ...',
    '',
    SERVE_USAGE,
    '',
    ...[...COMMANDS.values()].map((c) => `engine-lite ${c.usage}`),
    '',
    CLIENT_USAGE,
  ].join('\n');
}

/** --name value / --name=value / --flag; everything else is positional. */
export function splitArgs(argv: readonly string[]): { positional: string[]; flags: Record<string, string | boolean> } {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const BOOLEAN = new Set(['json', 'wait', 'no-wait', 'insecure', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (eq !== -1) flags[name] = a.slice(eq + 1);
    else if (BOOLEAN.has(name)) flags[name] = true;
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { positional, flags };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'serve') {
    // the server side (fastify, PGlite, pg) loads only here: client commands start fast
    const { serve } = await import('./serve.js');
    await serve(argv.slice(1));
    return 0;
  }
  const { positional, flags } = splitArgs(argv);
  if (flags.help === true || positional.length < 2) {
    process.stdout.write(`${usage()}\n`);
    return flags.help === true ? 0 : 2;
  }
  const key = `${positional[0]} ${positional[1]}`;
  const command = COMMANDS.get(key);
  if (command === undefined) {
    process.stderr.write(`engine-lite: unknown command "${key}"\n${usage()}\n`);
    return 2;
  }
  const url = typeof flags.url === 'string' ? flags.url : (process.env.ENGINE_LITE_URL ?? 'http://127.0.0.1:8080');
  const user = typeof flags.user === 'string' ? flags.user : (process.env.ENGINE_LITE_USER ?? 'admin@internal');
  const password =
    typeof flags['password-file'] === 'string'
      ? (await readFile(flags['password-file'], 'utf8')).trim()
      : process.env.ENGINE_LITE_PASSWORD;
  if (password === undefined) throw new Error('no password: use --password-file or ENGINE_LITE_PASSWORD');
  const api = await EngineClient.login(url.replace(/\/+$/, ''), user, password);
  const ctx: CommandContext = {
    api,
    args: positional.slice(2),
    flags,
    json: flags.json === true,
    print: (text) => process.stdout.write(`${text}\n`),
  };
  await command.run(ctx);
  return 0;
}

export async function run(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    const message =
      err instanceof ApiError
        ? `${err.reason} (${err.status}): ${err.message}`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`engine-lite: ${message}\n`);
    process.exitCode = 1;
  }
}
