import type { Queryable } from '../db.js';
import { firstRow } from './rows.js';

export type Role = 'admin' | 'user';
export type ObjectType = 'system' | 'datacenter' | 'cluster' | 'host' | 'vm' | 'template';

export interface User {
  id: string;
  name: string;
  passwordHash: string;
}

export interface Permission {
  id: string;
  userId: string;
  role: Role;
  objectType: ObjectType;
  objectId: string | null;
}

export const users = {
  async findByName(db: Queryable, name: string): Promise<User | undefined> {
    return (
      await db.query<User>('SELECT id, name, password_hash AS "passwordHash" FROM users WHERE name = $1', [name])
    )[0];
  },
  async get(db: Queryable, id: string): Promise<User | undefined> {
    return firstRow<User>(db, 'SELECT id, name, password_hash AS "passwordHash" FROM users WHERE id = $1', [id]);
  },
  async insert(db: Queryable, u: User): Promise<void> {
    await db.query('INSERT INTO users (id, name, password_hash) VALUES ($1, $2, $3)', [u.id, u.name, u.passwordHash]);
  },
  async setPassword(db: Queryable, id: string, hash: string): Promise<void> {
    await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, hash]);
  },
  permissions: (db: Queryable, userId: string) =>
    db.query<Permission>(
      `SELECT id, user_id AS "userId", role, object_type AS "objectType", object_id AS "objectId"
       FROM permissions WHERE user_id = $1`,
      [userId],
    ),
  async grant(db: Queryable, p: Permission): Promise<void> {
    await db.query(
      `INSERT INTO permissions (id, user_id, role, object_type, object_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [p.id, p.userId, p.role, p.objectType, p.objectId],
    );
  },
  async saveToken(db: Queryable, tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    await db.query('INSERT INTO tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      userId,
      expiresAt,
    ]);
  },
  async userForToken(db: Queryable, tokenHash: string): Promise<string | undefined> {
    const rows = await db.query<{ userId: string }>(
      'SELECT user_id AS "userId" FROM tokens WHERE token_hash = $1 AND expires_at > now()',
      [tokenHash],
    );
    return rows[0]?.userId;
  },
};
