/** Resolves `{id}` / `{name}` references in request bodies to entities, with a 400 naming the field. */
import type { Queryable } from '../db/db.js';
import { type Cluster, clusters } from '../db/repo/clusters.js';
import { type DataCenter, dataCenters } from '../db/repo/datacenters.js';
import { type Template, templates } from '../db/repo/templates.js';
import { EngineError } from '../errors.js';
import type { Ref } from './bodies.js';

async function resolve<T extends { id: string; name: string }>(
  field: string,
  ref: Ref,
  byId: (id: string) => Promise<T | undefined>,
  all: () => Promise<T[]>,
): Promise<T> {
  const found = ref.id !== undefined ? await byId(ref.id) : (await all()).find((x) => x.name === ref.name);
  if (found === undefined || (ref.name !== undefined && found.name !== ref.name)) {
    throw new EngineError('BAD_REQUEST', `${field}: no such entity ${JSON.stringify(ref)}`);
  }
  return found;
}

interface Lookup<T> {
  get(db: Queryable, id: string): Promise<T | undefined>;
  list(db: Queryable): Promise<T[]>;
}

/** the resolver of one repository's entities */
function via<T extends { id: string; name: string }>(repo: Lookup<T>) {
  return (db: Queryable, field: string, ref: Ref): Promise<T> =>
    resolve(
      field,
      ref,
      (id) => repo.get(db, id),
      () => repo.list(db),
    );
}

export const resolveRef = {
  cluster: via<Cluster>(clusters),
  dataCenter: via<DataCenter>(dataCenters),
  template: via<Template>(templates),
};
