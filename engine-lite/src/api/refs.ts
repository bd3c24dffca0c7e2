/** Resolves `{id}` / `{name}` references in request bodies to entities, with a 400 naming the field. */
import type { Queryable } from '../db/db.js';
import { type Cluster, clusters } from '../db/repo/clusters.js';
import { type DataCenter, dataCenters } from '../db/repo/datacenters.js';
import { type Template, templates } from '../db/repo/templates.js';
import { EngineError } from '../errors.js';

export interface Ref {
  id?: string;
  name?: string;
}

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

export const resolveRef = {
  cluster: (db: Queryable, field: string, ref: Ref): Promise<Cluster> =>
    resolve(
      field,
      ref,
      (id) => clusters.get(db, id),
      () => clusters.list(db),
    ),
  dataCenter: (db: Queryable, field: string, ref: Ref): Promise<DataCenter> =>
    resolve(
      field,
      ref,
      (id) => dataCenters.get(db, id),
      () => dataCenters.list(db),
    ),
  template: (db: Queryable, field: string, ref: Ref): Promise<Template> =>
    resolve(
      field,
      ref,
      (id) => templates.get(db, id),
      () => templates.list(db),
    ),
};
