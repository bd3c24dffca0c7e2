-- Direct kernel boot (oVirt's VM os.kernel, os.initrd, os.cmdline): host paths, empty = boot from disk.
ALTER TABLE vms ADD COLUMN kernel_path text NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN initrd_path text NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN kernel_cmdline text NOT NULL DEFAULT '';
