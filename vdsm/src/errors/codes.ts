/**
 * The one table of error codes vdsm-ts answers with. JSON-RPC protocol errors are negative; VDSM's own codes
 * (upstream `status.code`) are positive and travel as the JSON-RPC `error.code`. Throw sites name a key of this
 * table and never write messages of their own; `detail` is appended after ': ' for context.
 */

export interface ErrorSpec {
  readonly code: number;
  readonly message: string;
}

export const ERRORS = {
  // JSON-RPC 2.0 layer
  ParseError: {
    code: -32700,
    message: 'Invalid JSON was received by the server. An error occurred on the server while parsing the JSON text.',
  },
  InvalidRequest: { code: -32600, message: 'Invalid request' },
  MethodNotFound: { code: -32601, message: 'The method does not exist or is not available' },
  InvalidParams: { code: -32602, message: 'Invalid method parameter(s)' },
  InternalError: { code: -32603, message: 'Internal JSON-RPC error' },

  // VDSM codes (virt / general)
  NoSuchVM: { code: 1, message: 'Virtual machine does not exist' },
  VMExists: { code: 4, message: 'Virtual machine already exists' },
  CreateError: { code: 9, message: 'Error creating the requested VM' },
  MissingParameter: { code: 11, message: 'Missing required parameter' },
  MigrationError: { code: 12, message: 'Fatal error during migration' },
  ImageError: { code: 13, message: 'Drive image file could not be found' },
  OutOfMemory: { code: 14, message: 'Not enough free memory to create VM' },
  GuestAgentNonResponsive: { code: 19, message: 'Guest agent non-responsive' },
  ResourceUnavailable: { code: 40, message: 'Resource unavailable' },
  NotImplemented: { code: 44, message: 'Not implemented' },
  MigrationNotInProgress: { code: 47, message: 'Migration not in progress' },
  MigrationInProgress: { code: 51, message: 'Command not supported during migration' },
  HookError: { code: 78, message: 'Hook error' },
  InvalidParameter: { code: 91, message: 'Invalid parameter' },
  Recovering: { code: 99, message: 'Recovering from crash or Initializing' },

  // storage
  GeneralException: { code: 100, message: 'General Exception' },
  StorageException: { code: 200, message: 'General Storage Exception' },
  VolumeDoesNotExist: { code: 201, message: 'Volume does not exist' },
  ImageDoesNotExistInSD: { code: 268, message: 'Image does not exist in domain' },
  StoragePoolMasterNotFound: { code: 304, message: 'Cannot find master domain' },
  StoragePoolUnknown: { code: 309, message: 'Unknown pool id, pool not connected' },
  StoragePoolNotConnected: { code: 313, message: 'Storage pool not connected' },
  StorageDomainNotInPool: { code: 353, message: 'Storage domain not in pool' },
  StorageDomainDoesNotExist: { code: 358, message: 'Storage domain does not exist' },
  StorageDomainFSNotMounted: { code: 360, message: 'Storage domain remote path not mounted' },
  StorageDomainAlreadyExists: { code: 365, message: 'Storage domain already exists' },
  StorageDomainAccessError: {
    code: 379,
    message: 'Domain is either partially accessible or entirely inaccessible',
  },
  UnknownTask: { code: 401, message: 'Task id unknown' },
  StorageServerConnectionError: { code: 451, message: 'Error storage server connection' },
  StorageServerValidationError: {
    code: 453,
    message: 'The specified path does not exist or cannot be reached. Verify the path is correct',
  },
  ISCSILoginError: { code: 464, message: 'Failed to login to iSCSI node' },
  MountError: { code: 477, message: 'Problem while trying to mount target' },
  VolumeGroupDoesNotExist: { code: 506, message: 'Volume Group does not exist' },
  LogicalVolumeDoesNotExist: { code: 610, message: 'Logical volume does not exist' },
  LVMCommandError: { code: 621, message: 'LVM command failed' },
  AcquireLockFailure: { code: 651, message: 'Cannot obtain lock' },
  SpmStatusError: { code: 654, message: 'Not SPM' },
  HostIdMismatch: { code: 700, message: 'Host id not found or does not match manager host id' },
  InvalidParameterException: { code: 1000, message: 'Invalid parameter' },
  ResourceExhausted: { code: 1100, message: 'Not enough resources' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;
