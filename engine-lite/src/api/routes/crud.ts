/**
 * The standard collection/entity routes of one resource (list, get, create, optional update, delete), registered
 * from a description so each route file states only what differs: schemas, access, loaders and messages.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EngineError } from '../../errors.js';
import type { Access } from '../access.js';
import { duplicate, inUse } from '../db-errors.js';
import { errorReplies, idParams } from '../schemas.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export interface CrudResource<Row, NewBody, EditBody = never> {
  /** collection path, e.g. '/clusters' */
  path: string;
  /** the entity in messages, e.g. 'data center' ("data center ID does not exist") */
  noun: string;
  /** key of the list reply, e.g. 'data_center' */
  collection: string;
  /** JSON schema of one presented entity */
  schema: object;
  present: (row: Row) => unknown;
  /** access of get (and of list, unless list.access says otherwise) */
  read: Access;
  list: { summary: string; access?: Access; load: (request: FastifyRequest) => Promise<Row[]> };
  get: (id: string) => Promise<Row | undefined>;
  create: {
    summary: string;
    body: object;
    insert: (request: FastifyRequest<{ Body: NewBody }>) => Promise<Row>;
    /** 409 message of a unique violation */
    duplicate?: (body: NewBody) => string;
  };
  update?: {
    summary: string;
    body: object;
    apply: (request: FastifyRequest<{ Params: { id: string }; Body: EditBody }>) => Promise<Row>;
  };
  /** false when there was no such row (404); throws for rows it refuses to remove */
  remove: (request: IdRequest) => Promise<boolean>;
  /** 409 message of a foreign-key violation on delete (the row is still referenced) */
  inUse?: string;
}

export function registerCrud<Row, NewBody, EditBody = never>(
  app: FastifyInstance,
  r: CrudResource<Row, NewBody, EditBody>,
): void {
  const notFound = (id: string) => new EngineError('NOT_FOUND', `${r.noun} ${id} does not exist`);
  app.get(
    r.path,
    {
      config: { access: r.list.access ?? r.read },
      schema: {
        summary: r.list.summary,
        response: { 200: { type: 'object', properties: { [r.collection]: { type: 'array', items: r.schema } } } },
      },
    },
    async (request) => ({ [r.collection]: (await r.list.load(request)).map(r.present) }),
  );
  app.get<{ Params: { id: string } }>(
    `${r.path}/:id`,
    { config: { access: r.read }, schema: { params: idParams, response: { 200: r.schema, ...errorReplies } } },
    async (request) => {
      const row = await r.get(request.params.id);
      if (row === undefined) throw notFound(request.params.id);
      return r.present(row);
    },
  );
  const create = r.create;
  app.post<{ Body: NewBody }>(
    r.path,
    {
      config: { access: 'admin' },
      schema: { summary: create.summary, body: create.body, response: { 201: r.schema, ...errorReplies } },
    },
    async (request, reply) => {
      const created = await create.insert(request).catch((err: unknown) => {
        throw create.duplicate === undefined ? err : duplicate(err, create.duplicate(request.body as NewBody));
      });
      return reply.status(201).send(r.present(created));
    },
  );
  const update = r.update;
  if (update !== undefined) {
    app.put<{ Params: { id: string }; Body: EditBody }>(
      `${r.path}/:id`,
      {
        config: { access: 'admin' },
        schema: {
          summary: update.summary,
          params: idParams,
          body: update.body,
          response: { 200: r.schema, ...errorReplies },
        },
      },
      async (request) => r.present(await update.apply(request)),
    );
  }
  app.delete<{ Params: { id: string } }>(
    `${r.path}/:id`,
    { config: { access: 'admin' }, schema: { params: idParams, response: errorReplies } },
    async (request, reply) => {
      const removed = await r.remove(request).catch((err: unknown) => {
        throw r.inUse === undefined ? err : inUse(err, r.inUse);
      });
      if (!removed) throw notFound(request.params.id);
      return reply.status(200).send();
    },
  );
}
