-- engine-lite inventory, named after oVirt's entities. Statuses use oVirt's names.
CREATE TABLE datacenters (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  compat_version text NOT NULL DEFAULT '4.7',
  status text NOT NULL DEFAULT 'Uninitialized',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clusters (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  datacenter_id uuid NOT NULL REFERENCES datacenters(id),
  description text NOT NULL DEFAULT '',
  cpu_type text NOT NULL,
  compat_version text NOT NULL DEFAULT '4.7',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hosts (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  address text NOT NULL,
  port integer NOT NULL DEFAULT 54321 CHECK (port BETWEEN 1 AND 65535),
  cluster_id uuid NOT NULL REFERENCES clusters(id),
  tls boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'Installing',
  status_detail text NOT NULL DEFAULT '',
  spm_priority integer NOT NULL DEFAULT 5 CHECK (spm_priority BETWEEN -1 AND 10),
  spm_status text NOT NULL DEFAULT 'None',
  cpu_model text NOT NULL DEFAULT '',
  cpu_threads integer NOT NULL DEFAULT 0,
  mem_total_mb integer NOT NULL DEFAULT 0,
  mem_free_mb integer NOT NULL DEFAULT 0,
  cpu_usage_pct real NOT NULL DEFAULT 0,
  vm_count integer NOT NULL DEFAULT 0,
  software_version text NOT NULL DEFAULT '',
  missed_polls integer NOT NULL DEFAULT 0,
  last_seen timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (address, port)
);

CREATE TABLE storage_connections (
  id uuid PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('nfs', 'posixfs', 'localfs', 'iscsi', 'glusterfs')),
  connection text NOT NULL,
  options jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE storage_domains (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  datacenter_id uuid REFERENCES datacenters(id),
  connection_id uuid REFERENCES storage_connections(id),
  domain_type text NOT NULL DEFAULT 'data' CHECK (domain_type IN ('data', 'iso', 'export')),
  storage_type text NOT NULL,
  status text NOT NULL DEFAULT 'Unattached',
  is_master boolean NOT NULL DEFAULT false,
  available_bytes bigint NOT NULL DEFAULT 0,
  used_bytes bigint NOT NULL DEFAULT 0
);

CREATE TABLE networks (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  datacenter_id uuid NOT NULL REFERENCES datacenters(id) ON DELETE CASCADE,
  vlan_id integer CHECK (vlan_id BETWEEN 0 AND 4094),
  mtu integer NOT NULL DEFAULT 1500,
  vm_network boolean NOT NULL DEFAULT true,
  UNIQUE (datacenter_id, name)
);

CREATE TABLE templates (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  cluster_id uuid REFERENCES clusters(id),
  memory_mb integer NOT NULL CHECK (memory_mb > 0),
  cpus integer NOT NULL CHECK (cpus > 0),
  os_type text NOT NULL DEFAULT 'other',
  display_type text NOT NULL DEFAULT 'vnc',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- oVirt's built-in Blank template has the all-zero id
INSERT INTO templates (id, name, description, memory_mb, cpus)
  VALUES ('00000000-0000-0000-0000-000000000000', 'Blank', 'Blank template', 1024, 1);

CREATE TABLE vms (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  cluster_id uuid NOT NULL REFERENCES clusters(id),
  template_id uuid NOT NULL REFERENCES templates(id),
  memory_mb integer NOT NULL CHECK (memory_mb > 0),
  cpus integer NOT NULL CHECK (cpus > 0),
  os_type text NOT NULL DEFAULT 'other',
  display_type text NOT NULL DEFAULT 'vnc',
  status text NOT NULL DEFAULT 'Down',
  run_on_host_id uuid REFERENCES hosts(id),
  stats jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vms_run_on_host ON vms (run_on_host_id);

CREATE TABLE vm_devices (
  id uuid PRIMARY KEY,
  vm_id uuid NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
  type text NOT NULL,
  device text NOT NULL,
  spec jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX vm_devices_vm ON vm_devices (vm_id);

CREATE TABLE disks (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  vm_id uuid REFERENCES vms(id) ON DELETE SET NULL,
  storage_domain_id uuid REFERENCES storage_domains(id),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  format text NOT NULL DEFAULT 'cow' CHECK (format IN ('cow', 'raw')),
  interface text NOT NULL DEFAULT 'virtio_scsi',
  bootable boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'OK',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- role 'admin' on object_type 'system' = everything; 'user' on a vm = see and operate that VM
CREATE TABLE permissions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'user')),
  object_type text NOT NULL CHECK (object_type IN ('system', 'datacenter', 'cluster', 'host', 'vm', 'template')),
  object_id uuid,
  UNIQUE (user_id, role, object_type, object_id)
);

CREATE TABLE tokens (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);

-- the audit log
CREATE TABLE events (
  id serial PRIMARY KEY,
  time timestamptz NOT NULL DEFAULT now(),
  severity text NOT NULL CHECK (severity IN ('normal', 'warning', 'error', 'alert')),
  code text NOT NULL,
  message text NOT NULL,
  user_id uuid,
  host_id uuid,
  vm_id uuid,
  cluster_id uuid,
  datacenter_id uuid
);
CREATE INDEX events_time ON events (time);
