import { SignJWT } from 'jose';
import { LocalBus } from '../../adapters/bus';
import { parseConfig } from '../../core/config';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { startNode, type GridtwinNode } from '../../gateway/node';
import { openDatabase } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { testPrefix } from '../helpers/nats';

export const DEMO_SECRET = 'demo-node-test-secret-0123456789abcdef';

/** A token of an organization's user (the demo's own organization by default). */
export const orgToken = (org = 'demo-esco', claims: Record<string, unknown> = {}) =>
  new SignJWT({ org, ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(`user-of-${org}`).setIssuedAt().setExpirationTime('1h')
    .sign(new TextEncoder().encode(DEMO_SECRET));

export interface DemoNode {
  node: GridtwinNode;
  url: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * The standalone node's demo world on a database of its own: the seeded fleet, Emlite meters behind the
 * simulated mediator and solar plants behind the simulated vendor clouds, with the gateway on a free port.
 * Anonymous callers are the unrestricted demo operator; tokens signed with DEMO_SECRET are organizations' users.
 * Nothing runs on a schedule (autorun off): tests drive it.
 */
export async function startDemoNode(): Promise<DemoNode> {
  const tdb = await createTestDatabase('gtop');
  const db = await openDatabase({ url: tdb.url, poolMax: 6 });
  await db.migrate();
  const config = parseConfig({
    prefix: testPrefix('op'), mode: 'standalone', logLevel: 'silent',
    gateway: { port: 0, allowAnonymous: true, jwtSecret: DEMO_SECRET },
    simulators: { enabled: true, seedFleet: true },
  });
  const node = await startNode(config, { db, bus: new LocalBus(), logger: silentLogger, metrics: createMetrics(), autorun: false });
  const url = node.gateway!.url;
  return {
    node, url,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method, headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON: the text itself */ }
      return { status: res.status, body: parsed as any };
    },
    async stop() {
      await node.stop();
      await db.close();
      await tdb.drop();
    },
  };
}
