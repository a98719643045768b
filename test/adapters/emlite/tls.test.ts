import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { EmliteMediatorClient } from '../../../adapters/emlite/client';
import { MediatorPool } from '../../../adapters/emlite/pool';
import { parseConfig } from '../../../core/config';
import { startMediatorSimulator, type MediatorSimulator } from '../../../adapters/emlite/simulator/server';

let dir: string;
let sim: MediatorSimulator;
const f = (name: string) => readFileSync(join(dir, name));

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all made here. */
function makePki() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=gridtwin-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=gridtwin-client');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1');
  // A second CA whose client certificate the mediator must refuse.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue-ca.key', '-out', 'rogue-ca.pem', '-days', '1', '-subj', '/CN=rogue');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.csr', '-subj', '/CN=rogue-client');
  openssl('x509', '-req', '-in', 'rogue.csr', '-CA', 'rogue-ca.pem', '-CAkey', 'rogue-ca.key', '-CAcreateserial', '-out', 'rogue.pem', '-days', '1');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gridtwin-emlite-tls-'));
  makePki();
  sim = await startMediatorSimulator({
    meters: [{ serial: 'EMLTLS0001', balance: 3.5 }],
    tls: { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), requireClientCert: true },
  });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mutual TLS', () => {
  it('a client with a certificate from the CA is served', async () => {
    const c = new EmliteMediatorClient(sim.address, { deadlineMs: 5_000, tls: { ca: f('ca.pem'), cert: f('client.pem'), key: f('client.key') } });
    try {
      expect(await c.prepayBalance('EMLTLS0001')).toBe(3.5);
    } finally {
      c.close();
    }
  });

  it('the pool reads the TLS files named in the config', async () => {
    const cfg = parseConfig({ emlite: { tlsCaFile: join(dir, 'ca.pem'), tlsCertFile: join(dir, 'client.pem'), tlsKeyFile: join(dir, 'client.key'), deadlineMs: 5_000 } });
    const pool = MediatorPool.fromConfig(cfg.emlite);
    try {
      expect(await pool.client(sim.address).prepayBalance('EMLTLS0001')).toBe(3.5);
    } finally {
      pool.close();
    }
  });

  it('a client without a certificate is refused', async () => {
    const c = new EmliteMediatorClient(sim.address, { deadlineMs: 3_000, tls: { ca: f('ca.pem') } });
    try {
      const e = await c.prepayBalance('EMLTLS0001').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GridtwinError);
      expect((e as GridtwinError).code).toBe(ErrorCode.UNAVAILABLE);
    } finally {
      c.close();
    }
  });

  it('a client certificate from another CA is refused', async () => {
    const c = new EmliteMediatorClient(sim.address, { deadlineMs: 3_000, tls: { ca: f('ca.pem'), cert: f('rogue.pem'), key: f('rogue.key') } });
    try {
      const e = await c.prepayBalance('EMLTLS0001').catch((x: unknown) => x);
      expect((e as GridtwinError).code).toBe(ErrorCode.UNAVAILABLE);
    } finally {
      c.close();
    }
  });

  it('a plaintext client is refused', async () => {
    const c = new EmliteMediatorClient(sim.address, { deadlineMs: 3_000 });
    try {
      const e = await c.prepayBalance('EMLTLS0001').catch((x: unknown) => x);
      expect([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT]).toContain((e as GridtwinError).code);
    } finally {
      c.close();
    }
  });
});
