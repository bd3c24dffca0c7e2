/**
 * Who is calling and what they may do. Roles as oVirt's, reduced to two: `admin` on `system` may do everything;
 * `user` on a VM may see and operate that VM (UserRole). Tokens are random, stored only as their SHA-256.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.js';
import { users } from '../db/repo/users.js';
import { hashPassword, verifyPassword } from './passwords.js';

export interface Principal {
  readonly userId: string;
  readonly name: string;
  readonly admin: boolean;
  /** VMs this user holds the `user` role on */
  readonly vmIds: ReadonlySet<string>;
}

export const TOKEN_LIFETIME_MS = 8 * 3600_000;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function login(
  db: Queryable,
  name: string,
  password: string,
): Promise<{ token: string; expiresAt: Date } | undefined> {
  const user = await users.findByName(db, name);
  // hash even for unknown users, so timing does not reveal which names exist
  const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAA$AAAA');
  if (user === undefined || !ok) return undefined;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS);
  await users.saveToken(db, tokenHash(token), user.id, expiresAt);
  return { token, expiresAt };
}

export async function principalForToken(db: Queryable, token: string): Promise<Principal | undefined> {
  const userId = await users.userForToken(db, tokenHash(token));
  if (userId === undefined) return undefined;
  const user = await users.get(db, userId);
  if (user === undefined) return undefined;
  const perms = await users.permissions(db, userId);
  return {
    userId,
    name: user.name,
    admin: perms.some((p) => p.role === 'admin' && p.objectType === 'system'),
    vmIds: new Set(perms.filter((p) => p.objectType === 'vm' && p.objectId !== null).map((p) => p.objectId!)),
  };
}

export async function createUser(db: Queryable, name: string, password: string, admin: boolean): Promise<string> {
  const id = randomUUID();
  await users.insert(db, { id, name, passwordHash: await hashPassword(password) });
  if (admin)
    await users.grant(db, { id: randomUUID(), userId: id, role: 'admin', objectType: 'system', objectId: null });
  return id;
}

/** The first start creates `admin@internal` (oVirt's name) with the given password; later starts leave it alone. */
export async function ensureAdmin(db: Queryable, password: string, name = 'admin@internal'): Promise<void> {
  if ((await users.findByName(db, name)) !== undefined) return;
  await createUser(db, name, password, true);
}
