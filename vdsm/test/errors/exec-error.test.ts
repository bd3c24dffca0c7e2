// A failed external command reaches the engine as the VDSM error of its operation: the mapping itself, qemu-img
// failing for real, and Volume.getQemuImageInfo through the JSON-RPC dispatcher answering a storage code, not
// InternalError (-32603).
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfig } from '@vdsm-ts/common/config';
import { ExecError, exec } from '@vdsm-ts/common/exec';
import { silentLogging } from '@vdsm-ts/common/logging';
import { diskDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { createApiEndpoint } from '../../src/api/index.js';
import { ERRORS } from '../../src/errors/codes.js';
import { mapExecErrors, vdsmErrorFromExec } from '../../src/errors/exec-error.js';
import { VdsmError } from '../../src/errors/vdsm-error.js';
import { formatVolumeMetadata } from '../../src/storage/metadata/volume-metadata.js';
import { qemuImgInfo } from '../../src/storage/volume/qemu-img.js';
import { makeService, startSanlock } from '../storage/helpers.js';

async function execFailure(argv: string[]): Promise<ExecError> {
  const error = await exec(argv, { timeoutMs: 200 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ExecError)) throw new Error(`expected an ExecError from ${argv.join(' ')}`);
  return error;
}

t.test('each kind of failure becomes the operation error; a missing program is ResourceUnavailable', async (t) => {
  const exit = vdsmErrorFromExec(await execFailure(['sh', '-c', 'echo bad >&2; exit 2']), 'VolumeCreationError');
  t.equal(exit.code, ERRORS.VolumeCreationError.code);
  t.match(exit.message, /^Error creating a new volume: exit: sh -c .* exited with 2: bad$/);
  t.ok(exit.cause instanceof ExecError, 'the ExecError is kept as cause');
  const timeout = vdsmErrorFromExec(await execFailure(['sleep', '5']), 'VolumeExtendingError');
  t.equal(timeout.code, ERRORS.VolumeExtendingError.code);
  t.match(timeout.message, /timeout: sleep 5: timed out after 200 ms/);
  const missing = vdsmErrorFromExec(await execFailure(['vdsm-ts-no-such-tool']), 'StorageException');
  t.equal(missing.code, ERRORS.ResourceUnavailable.code);
  t.match(missing.message, /not-found: vdsm-ts-no-such-tool is not installed/);
});

t.test('mapExecErrors maps only ExecErrors', async (t) => {
  const own = new VdsmError('VolumeDoesNotExist', 'x');
  await t.rejects(
    mapExecErrors('StorageException', () => Promise.reject(own)),
    own,
  );
  const other = new RangeError('bug');
  await t.rejects(
    mapExecErrors('StorageException', () => Promise.reject(other)),
    other,
  );
  t.equal(await mapExecErrors('StorageException', () => Promise.resolve(7)), 7);
});

t.test('qemu-img info of a file that is not there: StorageException (200), with qemu-img in the message', async (t) => {
  const error = await qemuImgInfo('/nonexistent/vdsm-ts/volume').catch((err: unknown) => err);
  t.ok(error instanceof VdsmError, 'a VdsmError, not an ExecError');
  t.equal((error as VdsmError).code, 200);
  t.match(
    (error as VdsmError).message,
    /exit: qemu-img info --output=json -U \/nonexistent\/vdsm-ts\/volume exited with 1/,
  );
});

t.test('Volume.getQemuImageInfo through the dispatcher answers a storage error code, not InternalError', async (t) => {
  const dir = await diskDir(t, 'exec-error');
  const sanlock = await startSanlock(t, dir);
  const repository = join(dir, 'repo');
  const service = makeService(t, { repository, runDir: join(dir, 'run'), sanlockRunDir: sanlock.runDir });
  const exported = join(dir, 'export');
  await mkdir(exported);
  await service.connections.connect(4, [{ id: randomUUID(), connection: exported }]);
  const sdUUID = randomUUID();
  const spUUID = randomUUID();
  await service.domains.create({
    sdUUID,
    domainType: 4,
    remotePath: exported,
    name: 'exec-error',
    domainClass: 1,
    version: 5,
    blockSize: 512,
  });
  await service.pools.create({ spUUID, name: 'dc', masterSdUUID: sdUUID, masterVersion: 1, domainList: [sdUUID] });
  await service.pools.connect({
    spUUID,
    hostId: 1,
    masterSdUUID: sdUUID,
    masterVersion: 1,
    domainDict: { [sdUUID]: 'active' },
  });
  // a volume whose metadata is in place but whose image is not a file qemu-img can open
  const imgUUID = randomUUID();
  const volUUID = randomUUID();
  const imageDir = join(exported, sdUUID, 'images', imgUUID);
  await mkdir(join(imageDir, volUUID), { recursive: true });
  const md = {
    domain: sdUUID,
    image: imgUUID,
    parent: '00000000-0000-0000-0000-000000000000',
    format: 'COW',
    type: 'SPARSE',
    voltype: 'LEAF',
    legality: 'LEGAL',
    disktype: 'DATA',
    description: '',
    ctime: Math.floor(Date.now() / 1000),
    generation: 0,
    capacity: 1024 ** 2,
    sequence: 0,
  } as const;
  await writeFile(join(imageDir, `${volUUID}.meta`), formatVolumeMetadata(md, 5));

  const api = createApiEndpoint({
    config: defaultConfig(),
    logging: silentLogging(),
    storage: service,
  });
  api.setReady(true);
  t.teardown(() => api.close());
  const request = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'Volume.getQemuImageInfo',
    params: { storagepoolID: spUUID, storagedomainID: sdUUID, imageID: imgUUID, volumeID: volUUID },
  });
  const reply = JSON.parse((await api.handle(request, { transport: 'stomp', peer: 'test' })) ?? '{}') as {
    error?: { code: number; message: string };
  };
  t.equal(reply.error?.code, 200, 'General Storage Exception');
  t.match(reply.error?.message, /qemu-img info .* exited with 1/);
});
