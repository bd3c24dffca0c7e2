/** Wiring only: database, CA, host monitors, VM service and the REST API, started and stopped together. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './api/server.js';
import { ensureAdmin } from './auth/principal.js';
import type { Db } from './db/db.js';
import { openDb } from './db/open.js';
import type { Engine } from './engine.js';
import { HostManager } from './hosts/manager.js';
import { DEFAULT_MONITOR_CONFIG, type MonitorConfig } from './hosts/monitor.js';
import { CertificateAuthority } from './pki/ca.js';
import { PoolManager } from './storage/pool-manager.js';
import { VmService } from './vms/service.js';

export interface EngineOptions {
  /** engine state: PGlite database (unless `db` names a server), CA, admin password file */
  dataDir: string;
  /** `postgres://…` for a PostgreSQL server; default: PGlite in DATA_DIR/db */
  db?: string;
  listen?: string;
  /** 0 = any free port */
  port?: number;
  /** serve HTTPS with a certificate from the engine CA */
  https?: boolean;
  monitor?: Partial<MonitorConfig>;
  /** admin@internal's password on first start; default: random, written to DATA_DIR/admin-password */
  adminPassword?: string;
  logger?: boolean;
}

export interface RunningEngine extends Engine {
  readonly api: FastifyInstance;
  /** http(s)://host:port */
  readonly url: string;
  stop(): Promise<void>;
}

async function adminPassword(options: EngineOptions): Promise<string> {
  if (options.adminPassword !== undefined) return options.adminPassword;
  const file = join(options.dataDir, 'admin-password');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return existing.trim();
  const generated = randomBytes(12).toString('base64url');
  await writeFile(file, `${generated}\n`, { mode: 0o600 });
  return generated;
}

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const ca = await CertificateAuthority.open(join(options.dataDir, 'pki'));
  const db: Db = await openDb(options.db ?? join(options.dataDir, 'db'));
  try {
    await ensureAdmin(db, await adminPassword(options));
    const identity = ca.engineIdentity();
    const hostManager = new HostManager(db, { ...DEFAULT_MONITOR_CONFIG, ...options.monitor }, () => identity);
    const engine: Engine = {
      db,
      hosts: hostManager,
      vms: new VmService(db, hostManager),
      ca,
      pools: new PoolManager(db, hostManager),
    };
    const listen = options.listen ?? '127.0.0.1';
    const https = options.https ? await ca.issueHost(listen) : undefined;
    const api = await buildApi(engine, {
      logger: options.logger ?? false,
      ...(https === undefined ? {} : { https: { key: https.key, cert: https.cert } }),
    });
    await api.listen({ host: listen, port: options.port ?? 8080 });
    const address = api.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
    await hostManager.startAll();
    return {
      ...engine,
      api,
      url: `${https === undefined ? 'http' : 'https'}://${listen.includes(':') ? `[${listen}]` : listen}:${port}`,
      async stop() {
        engine.pools.close();
        await api.close();
        await hostManager.stopAll();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
