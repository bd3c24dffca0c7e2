/**
 * engine-lite's own certificate authority (openssl through the common exec wrapper, argv arrays, no shell). It signs each host's vdsm
 * certificate and the engine's client certificate, which vdsmd requires for mutual TLS (it trusts certs/cacert.pem).
 * Layout under DIR: ca.pem, ca.key (0600), engine.pem, engine.key (0600).
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@vdsm-ts/common/atomic-write';
import { exec } from '@vdsm-ts/common/exec';

const DAYS = '1825';
const OPENSSL_TIMEOUT_MS = 30_000;

export interface IssuedCert {
  /** PEM */
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  await exec(['openssl', ...args], { timeoutMs: OPENSSL_TIMEOUT_MS, maxOutputBytes: 1 << 20 });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export class CertificateAuthority {
  private constructor(readonly dir: string) {}

  get caCertPath(): string {
    return join(this.dir, 'ca.pem');
  }

  /** Creates the CA and the engine's client certificate the first time; reuses them afterwards. */
  static async open(dir: string): Promise<CertificateAuthority> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const ca = new CertificateAuthority(dir);
    if (!(await exists(join(dir, 'ca.pem'))) || !(await exists(join(dir, 'ca.key')))) {
      const tmp = await mkdtemp(join(tmpdir(), 'engine-lite-ca-'));
      try {
        await openssl([
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-days',
          DAYS,
          '-subj',
          '/O=engine-lite/CN=engine-lite CA',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
          '-keyout',
          join(tmp, 'ca.key'),
          '-out',
          join(tmp, 'ca.pem'),
        ]);
        await writeFileAtomic(join(dir, 'ca.key'), await readFile(join(tmp, 'ca.key'), 'utf8'), { mode: 0o600 });
        await writeFileAtomic(join(dir, 'ca.pem'), await readFile(join(tmp, 'ca.pem'), 'utf8'), { mode: 0o644 });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      await rm(join(dir, 'engine.pem'), { force: true });
    }
    if (!(await exists(join(dir, 'engine.pem')))) {
      const issued = await ca.issue('engine-lite', [], 'clientAuth');
      await writeFileAtomic(join(dir, 'engine.key'), issued.key, { mode: 0o600 });
      await writeFileAtomic(join(dir, 'engine.pem'), issued.cert, { mode: 0o644 });
    }
    return ca;
  }

  /** The engine's client identity for mutual TLS with vdsmd. */
  async engineIdentity(): Promise<IssuedCert> {
    const [key, cert, ca] = await Promise.all([
      readFile(join(this.dir, 'engine.key'), 'utf8'),
      readFile(join(this.dir, 'engine.pem'), 'utf8'),
      readFile(this.caCertPath, 'utf8'),
    ]);
    return { key, cert, ca };
  }

  /** A vdsm host certificate: CN = the host's address, SAN = the address (IP or DNS). */
  issueHost(address: string): Promise<IssuedCert> {
    return this.issue(address, [address], 'serverAuth,clientAuth');
  }

  private async issue(cn: string, names: readonly string[], usage: string): Promise<IssuedCert> {
    if (!/^[\w.:-]+$/.test(cn)) throw new Error(`invalid certificate name: ${JSON.stringify(cn)}`);
    const tmp = await mkdtemp(join(tmpdir(), 'engine-lite-issue-'));
    try {
      const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      await writeFile(
        join(tmp, 'ext.cnf'),
        `${san === '' ? '' : `subjectAltName=${san}\n`}extendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`,
      );
      await openssl([
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-subj',
        `/O=engine-lite/CN=${cn}`,
        '-keyout',
        join(tmp, 'leaf.key'),
        '-out',
        join(tmp, 'leaf.csr'),
      ]);
      await openssl([
        'x509',
        '-req',
        '-sha256',
        '-days',
        DAYS,
        '-in',
        join(tmp, 'leaf.csr'),
        '-CA',
        this.caCertPath,
        '-CAkey',
        join(this.dir, 'ca.key'),
        '-set_serial',
        `0x${BigInt(Date.now()).toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
        '-extfile',
        join(tmp, 'ext.cnf'),
        '-out',
        join(tmp, 'leaf.pem'),
      ]);
      const [key, cert, ca] = await Promise.all([
        readFile(join(tmp, 'leaf.key'), 'utf8'),
        readFile(join(tmp, 'leaf.pem'), 'utf8'),
        readFile(this.caCertPath, 'utf8'),
      ]);
      return { key, cert, ca };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** Writes an issued host certificate in vdsm's /etc/pki/vdsm layout under `root`. Returns the three paths. */
export async function writeVdsmPki(
  root: string,
  issued: IssuedCert,
): Promise<{ key: string; cert: string; ca: string }> {
  await mkdir(join(root, 'keys'), { recursive: true });
  await mkdir(join(root, 'certs'), { recursive: true });
  const paths = {
    key: join(root, 'keys', 'vdsmkey.pem'),
    cert: join(root, 'certs', 'vdsmcert.pem'),
    ca: join(root, 'certs', 'cacert.pem'),
  };
  await writeFileAtomic(paths.key, issued.key, { mode: 0o600 });
  await writeFileAtomic(paths.cert, issued.cert, { mode: 0o644 });
  await writeFileAtomic(paths.ca, issued.ca, { mode: 0o644 });
  return paths;
}
