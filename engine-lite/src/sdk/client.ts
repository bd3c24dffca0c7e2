/**
 * A typed client for engine-lite's REST API (fetch, no dependencies). Errors carry the HTTP status and the
 * server's fault. `waitFor` polls an entity until a predicate holds, reporting each state it sees.
 */
import type {
  AuditEvent,
  Cluster,
  DataCenter,
  Disk,
  Host,
  HostPki,
  NewCluster,
  NewDataCenter,
  NewHost,
  NewStorageDomain,
  NewVm,
  StorageDomain,
  Template,
  Vm,
  VmFields,
} from './types.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

const API = '/ovirt-engine/api';

export class EngineClient {
  private constructor(
    readonly baseUrl: string,
    /** the bearer token, for callers that speak HTTP themselves */
    readonly token: string,
  ) {}

  /** Password grant at /ovirt-engine/sso/oauth/token. */
  static async login(baseUrl: string, username: string, password: string): Promise<EngineClient> {
    const res = await fetch(`${baseUrl}/ovirt-engine/sso/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username, password, scope: 'ovirt-app-api' }),
    });
    const body = (await res.json()) as { access_token?: string; fault?: { reason: string; detail: string } };
    if (!res.ok || body.access_token === undefined) {
      throw new ApiError(res.status, body.fault?.reason ?? 'UNAUTHENTICATED', body.fault?.detail ?? 'login failed');
    }
    return new EngineClient(baseUrl, body.access_token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${API}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const fault = (parsed as { fault?: { reason?: string; detail?: string } } | undefined)?.fault;
      throw new ApiError(res.status, fault?.reason ?? String(res.status), fault?.detail ?? res.statusText);
    }
    return parsed as T;
  }

  readonly dataCenters = {
    list: async () => (await this.request<{ data_center: DataCenter[] }>('GET', '/datacenters')).data_center,
    get: (id: string) => this.request<DataCenter>('GET', `/datacenters/${id}`),
    add: (dc: NewDataCenter) => this.request<DataCenter>('POST', '/datacenters', dc),
    remove: (id: string) => this.request<void>('DELETE', `/datacenters/${id}`),
    /** Attach a file storage domain as the data center's master (creates it and the pool on the hosts). */
    attachStorageDomain: (id: string, storageDomainId: string) =>
      this.request<StorageDomain>('POST', `/datacenters/${id}/storagedomains`, { id: storageDomainId }),
  };

  readonly clusters = {
    list: async () => (await this.request<{ cluster: Cluster[] }>('GET', '/clusters')).cluster,
    get: (id: string) => this.request<Cluster>('GET', `/clusters/${id}`),
    add: (c: NewCluster) => this.request<Cluster>('POST', '/clusters', c),
    remove: (id: string) => this.request<void>('DELETE', `/clusters/${id}`),
  };

  readonly hosts = {
    list: async () => (await this.request<{ host: Host[] }>('GET', '/hosts')).host,
    get: (id: string) => this.request<Host>('GET', `/hosts/${id}`),
    add: (h: NewHost) => this.request<Host>('POST', '/hosts', h),
    remove: (id: string) => this.request<void>('DELETE', `/hosts/${id}`),
    activate: (id: string) => this.request<{ status: string }>('POST', `/hosts/${id}/activate`),
    deactivate: (id: string) => this.request<{ status: string }>('POST', `/hosts/${id}/deactivate`),
    enroll: (id: string) => this.request<HostPki>('POST', `/hosts/${id}/enroll`),
  };

  readonly vms = {
    list: async () => (await this.request<{ vm: Vm[] }>('GET', '/vms')).vm,
    get: (id: string) => this.request<Vm>('GET', `/vms/${id}`),
    add: (vm: NewVm) => this.request<Vm>('POST', '/vms', vm),
    edit: (id: string, fields: VmFields) => this.request<Vm>('PUT', `/vms/${id}`, fields),
    remove: (id: string) => this.request<void>('DELETE', `/vms/${id}`),
    start: (id: string) => this.request<{ status: string }>('POST', `/vms/${id}/start`),
    stop: (id: string) => this.request<{ status: string }>('POST', `/vms/${id}/stop`),
    shutdown: (id: string) => this.request<{ status: string }>('POST', `/vms/${id}/shutdown`),
    suspend: (id: string) => this.request<{ status: string }>('POST', `/vms/${id}/suspend`),
    ticket: (id: string, expiry?: number) =>
      this.request<{ ticket: { value: string; expiry: number; host: string } }>(
        'POST',
        `/vms/${id}/ticket`,
        expiry === undefined ? {} : { ticket: { expiry } },
      ),
    grantUser: (id: string, userName: string) =>
      this.request<{ id: string }>('POST', `/vms/${id}/permissions`, {
        user: { name: userName },
        role: { name: 'UserRole' },
      }),
  };

  readonly templates = {
    list: async () => (await this.request<{ template: Template[] }>('GET', '/templates')).template,
  };

  readonly disks = {
    list: async () => (await this.request<{ disk: Disk[] }>('GET', '/disks')).disk,
  };

  readonly storageDomains = {
    list: async () =>
      (await this.request<{ storage_domain: StorageDomain[] }>('GET', '/storagedomains')).storage_domain,
    get: (id: string) => this.request<StorageDomain>('GET', `/storagedomains/${id}`),
    add: (sd: NewStorageDomain) => this.request<StorageDomain>('POST', '/storagedomains', sd),
  };

  readonly events = {
    list: async (max = 100) => (await this.request<{ event: AuditEvent[] }>('GET', `/events?max=${max}`)).event,
  };

  readonly users = {
    add: (userName: string, password: string, admin = false) =>
      this.request<{ id: string; user_name: string }>('POST', '/users', { user_name: userName, password, admin }),
  };

  /** Polls `get` every `intervalMs` until `done` holds; `onState` sees every poll. Throws after `timeoutMs`. */
  async waitFor<T>(
    get: () => Promise<T>,
    done: (entity: T) => boolean,
    options: { timeoutMs?: number; intervalMs?: number; onState?: (entity: T) => void } = {},
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      const entity = await get();
      options.onState?.(entity);
      if (done(entity)) return entity;
      if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs ?? 120_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }
}
