/**
 * The keys of Host.getCapabilities and Host.getStats that belong to no single host service: the storage layer's
 * domain versions and block sizes, and netConfigDirty (upstream: whether setupNetworks changed the network since
 * the last setSafeNetworkConfig; vdsm-ts changes no network configuration yet, so it is never dirty).
 */
import type { SupportedBlockSizeMap } from '../schema/api-types.generated.js';
import { SUPPORTED_DOMAIN_VERSIONS } from '../storage/constants.js';

export const NET_CONFIG_DIRTY = 'False';

/** The sector sizes the file domain types accept at creation (block domains are not implemented). */
const FILE_DOMAIN_BLOCK_SIZES = [512, 4096] as const;

export const STORAGE_CAPABILITIES: {
  readonly domain_versions: readonly number[];
  readonly supported_block_size: SupportedBlockSizeMap;
} = {
  domain_versions: SUPPORTED_DOMAIN_VERSIONS,
  supported_block_size: {
    GLUSTERFS: FILE_DOMAIN_BLOCK_SIZES,
    LOCALFS: FILE_DOMAIN_BLOCK_SIZES,
    NFS: FILE_DOMAIN_BLOCK_SIZES,
    POSIXFS: FILE_DOMAIN_BLOCK_SIZES,
  },
};
