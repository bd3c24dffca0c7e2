-- The storage pool of a data center (its id is the data center's, as in oVirt) and each host's id in it.
ALTER TABLE datacenters ADD COLUMN master_domain_id uuid REFERENCES storage_domains(id);
ALTER TABLE datacenters ADD COLUMN master_version integer NOT NULL DEFAULT 0;
-- vds_spm_id: the host's sanlock host id in its data center's pool (1..250)
ALTER TABLE hosts ADD COLUMN pool_host_id integer CHECK (pool_host_id BETWEEN 1 AND 250);
