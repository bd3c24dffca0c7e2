/**
 * Every vdsm.conf key vdsm-ts reads: its section, type, default and meaning. This table is the only place a
 * key is declared; the loader, the typed Config and docs/config.md all come from it.
 */

export type KeySpec =
  | { readonly type: 'bool'; readonly default: boolean; readonly doc: string }
  | {
      readonly type: 'int';
      readonly default: number;
      readonly min?: number;
      readonly max?: number;
      readonly doc: string;
    }
  | { readonly type: 'float'; readonly default: number; readonly min?: number; readonly doc: string }
  | { readonly type: 'string'; readonly default: string; readonly doc: string }
  | { readonly type: 'list'; readonly default: readonly string[]; readonly doc: string }
  | { readonly type: 'enum'; readonly default: string; readonly values: readonly string[]; readonly doc: string };

export const CONFIG_KEYS = {
  vars: {
    ssl: {
      type: 'bool',
      default: true,
      doc: 'Serve the API over TLS with mutual authentication; false means plain TCP.',
    },
    ssl_protocol: {
      type: 'enum',
      default: 'tls1.2',
      values: ['tls1.2', 'tls1.3'],
      doc: 'Lowest TLS version accepted on the API port.',
    },
    ssl_key_file: { type: 'string', default: '/etc/pki/vdsm/keys/vdsmkey.pem', doc: "Host's private key (PEM)." },
    ssl_cert_file: { type: 'string', default: '/etc/pki/vdsm/certs/vdsmcert.pem', doc: "Host's certificate (PEM)." },
    ssl_ca_file: {
      type: 'string',
      default: '/etc/pki/vdsm/certs/cacert.pem',
      doc: 'CA bundle that client certificates must chain to (PEM).',
    },
    verify_client_cert: {
      type: 'bool',
      default: false,
      doc: "Also require the client certificate's CN to match the peer address (loopback always passes).",
    },
    libvirt_uri: {
      type: 'string',
      default: 'qemu:///system',
      doc: 'libvirt connection URI; test:///default runs on the built-in fake hypervisor.',
    },
    fake_kvm_support: {
      type: 'enum',
      default: 'auto',
      values: ['auto', 'true', 'false'],
      doc: 'Run guests under TCG when KVM cannot run them: auto probes the host, true always, false never.',
    },
    vm_sample_interval: { type: 'int', default: 15, min: 1, doc: 'Seconds between bulk VM statistics samples.' },
    vm_guest_event_timeout: {
      type: 'int',
      default: 60,
      min: 1,
      doc: 'Seconds a started or rebooted guest is reported as Powering up / RebootInProgress when no guest agent reports its status sooner.',
    },
    host_sample_stats_interval: { type: 'int', default: 15, min: 1, doc: 'Seconds between host statistics samples.' },
    host_mem_reserve: {
      type: 'int',
      default: 256,
      min: 0,
      doc: 'MiB of host memory kept from guests for the host itself (part of reservedMem in Host.getCapabilities).',
    },
    extra_mem_reserve: {
      type: 'int',
      default: 65,
      min: 0,
      doc: 'MiB more kept from guests for the hypervisor processes (added to host_mem_reserve in reservedMem).',
    },
    guest_ram_overhead: {
      type: 'int',
      default: 65,
      min: 0,
      doc: 'MiB of host memory a guest costs beyond its own RAM (guestOverhead in Host.getCapabilities).',
    },
  },
  addresses: {
    management_ip: {
      type: 'string',
      default: '::',
      doc: 'Address the API listens on; :: is dual stack and falls back to 0.0.0.0 without IPv6.',
    },
    management_port: { type: 'int', default: 54321, min: 1, max: 65535, doc: 'API port (STOMP and WebSocket).' },
    request_queues: {
      type: 'list',
      default: ['jms.topic.vdsm_requests', 'jms.topic.vdsm_irs_requests'],
      doc: 'STOMP destinations whose messages are JSON-RPC requests (comma separated).',
    },
    event_queue: { type: 'string', default: 'jms.queue.events', doc: 'STOMP destination events are published on.' },
  },
  rpc: {
    max_connections: {
      type: 'int',
      default: 4000,
      min: 1,
      doc: 'Connections on the API port at once (also kept 512 below the open-files limit); beyond it new ones get a STOMP ERROR and are closed, except that a peer with fewer than 8 connections evicts the least active connection of the peer holding the most.',
    },
    max_connections_per_peer: {
      type: 'int',
      default: 1000,
      min: 1,
      doc: 'Connections one remote address may hold at once; beyond it new ones get a STOMP ERROR and are closed.',
    },
    idle_timeout: {
      type: 'int',
      default: 300,
      min: 0,
      doc: 'Seconds a STOMP session that negotiated no incoming heart-beat may stay silent with nothing in flight before it is closed (0: never).',
    },
    body_budget_mb: {
      type: 'int',
      default: 256,
      min: 1,
      doc: 'MiB of request bodies held in memory across all connections (being received or being served); a frame that does not fit gets a STOMP ERROR and its connection is closed.',
    },
    max_batch_size: {
      type: 'int',
      default: 100,
      min: 1,
      doc: 'Requests in one JSON-RPC batch; a longer batch is answered with one Invalid request error and none of it runs.',
    },
  },
  irs: {
    repository: {
      type: 'string',
      default: '/rhev/data-center',
      doc: 'Storage repository root: pool links and storage server mounts live below it.',
    },
    sd_health_check_delay: {
      type: 'float',
      default: 10,
      min: 0.1,
      doc: 'Seconds between storage domain checks (direct-I/O read of the domain metadata).',
    },
    storage_run_dir: {
      type: 'string',
      default: '/run/vdsm/storage',
      doc: 'Runtime image links (<dir>/<sdUUID>/<imgUUID>) that prepared images are reached through.',
    },
    posixfs_allowed_types: {
      type: 'list',
      default: ['ext4', 'xfs', 'ext3', 'ext2', 'btrfs', 'cephfs', 'nfs', 'nfs4', 'glusterfs'],
      doc: 'Filesystem types supervdsmd mounts for storage connections (comma separated); proc, sysfs, tmpfs, overlay, bind and the like are refused even if listed.',
    },
  },
  sanlock: {
    io_timeout: {
      type: 'int',
      default: 10,
      min: 1,
      max: 300,
      doc: 'sanlock I/O timeout in seconds for new lockspaces and leases (renewal ~2x, host failure 8x).',
    },
  },
  spm: {
    watchdog_interval: {
      type: 'float',
      default: 20,
      min: 0.1,
      doc: 'Seconds between checks that the SPM still holds its SDM lease.',
    },
  },
  supervdsm: {
    socket: { type: 'string', default: '/run/vdsm/svdsm.sock', doc: "supervdsmd's unix socket." },
    user: { type: 'string', default: 'vdsm', doc: 'User allowed to call supervdsmd besides root.' },
    group: { type: 'string', default: 'kvm', doc: 'Group that owns the supervdsmd socket.' },
    audit_file: {
      type: 'string',
      default: '',
      doc: "supervdsmd's audit log of privileged actions (JSON lines); empty writes it to the daemon's log.",
    },
    netconf_dir: {
      type: 'string',
      default: '/var/lib/vdsm/persistence/netconf',
      doc: 'Where supervdsmd keeps persisted network configurations (netPersist / netRestore).',
    },
  },
  logging: {
    level: {
      type: 'enum',
      default: 'info',
      values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
      doc: 'Initial log level; Host.setLogLevel changes it at run time.',
    },
    file: {
      type: 'string',
      default: '',
      doc: 'Log file (JSON lines); empty logs to stderr, pretty-printed when stderr is a terminal.',
    },
  },
  devel: {
    api_strict_mode: {
      type: 'bool',
      default: false,
      doc: "Check every API result against the schema; a result that does not fit is answered with an error naming the verb and the field, and logged (for tests and development, as upstream's key of the same name).",
    },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type ValueOf<S extends KeySpec> = S extends { type: 'bool' }
  ? boolean
  : S extends { type: 'int' | 'float' }
    ? number
    : S extends { type: 'list' }
      ? readonly string[]
      : S extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

type Keys = typeof CONFIG_KEYS;

/** The typed, fully defaulted configuration every daemon receives. */
export type Config = {
  readonly [S in keyof Keys]: {
    readonly [K in keyof Keys[S]]: Keys[S][K] extends KeySpec ? ValueOf<Keys[S][K]> : never;
  };
};
