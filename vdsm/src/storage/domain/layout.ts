/** Where everything of a file domain lives (storage/fileSD.py, B10 of the facts). */
import { join } from 'node:path';

export const DOMAIN_META_DATA = 'dom_md';
export const IMAGES_DIR = 'images';
export const MASTER_DIR = 'master';
export const SPECIAL_VOLUMES = ['metadata', 'ids', 'leases', 'inbox', 'outbox', 'xleases'] as const;

export class FileDomainLayout {
  constructor(readonly root: string) {}
  get domMd(): string {
    return join(this.root, DOMAIN_META_DATA);
  }
  get metadata(): string {
    return join(this.domMd, 'metadata');
  }
  get ids(): string {
    return join(this.domMd, 'ids');
  }
  get leases(): string {
    return join(this.domMd, 'leases');
  }
  get inbox(): string {
    return join(this.domMd, 'inbox');
  }
  get outbox(): string {
    return join(this.domMd, 'outbox');
  }
  get xleases(): string {
    return join(this.domMd, 'xleases');
  }
  get images(): string {
    return join(this.root, IMAGES_DIR);
  }
  get master(): string {
    return join(this.root, MASTER_DIR);
  }
  get tasks(): string {
    return join(this.master, 'tasks');
  }
  get vms(): string {
    return join(this.master, 'vms');
  }
  image(imgUUID: string): string {
    return join(this.images, imgUUID);
  }
  volume(imgUUID: string, volUUID: string): string {
    return join(this.images, imgUUID, volUUID);
  }
}
