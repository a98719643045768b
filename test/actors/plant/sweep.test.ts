import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, createSolarAdapter, type RunningSimulator, type SolarAdapter } from '../../../adapters/solar';
import { plantsRepo } from '../../../persistence';
import { eventually } from '../../helpers/world';
import { ORG, createPlantWorld, type PlantWorld } from './world';

/**
 * A sweep of 2,000 plants behind one credential. The limits come from the adapter's capabilities (scaled
 * up from Solis' real 2 concurrent / 120 per minute so the test ends in about a minute, but still below
 * the calls the sweep needs, so the per-minute window must hold calls back). What the vendor saw is
 * measured by a counting proxy in front of the simulator, and by the simulator's own rate limit.
 */
const PLANTS = 2_000;
const MAX_CONCURRENT = 6;
const RPM = 4_000;

class CountingProxy {
  inFlight = 0;
  maxInFlight = 0;
  starts: number[] = [];
  private server!: Server;
  url = '';

  async start(target: string): Promise<this> {
    const t = new URL(target);
    this.server = createServer((req, res) => {
      this.starts.push(Date.now());
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('end', () => { this.inFlight--; });
      });
      up.on('error', () => { this.inFlight--; res.destroy(); });
      req.pipe(up);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Most request starts seen in any 60 s window. */
  maxPerMinute(): number {
    let max = 0;
    for (let i = 0, j = 0; j < this.starts.length; j++) {
      while (this.starts[j]! - this.starts[i]! >= 60_000) i++;
      max = Math.max(max, j - i + 1);
    }
    return max;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let w: PlantWorld;
let sim: RunningSimulator;
let proxy: CountingProxy;

beforeAll(async () => {
  const scaled = (brand: string, creds: unknown, opts: object): SolarAdapter => {
    const a = createSolarAdapter(brand, creds, opts);
    const caps = a.getCapabilities();
    return Object.assign(Object.create(a) as SolarAdapter, { getCapabilities: () => ({ ...caps, maxConcurrentRequests: MAX_CONCURRENT, requestsPerMinute: RPM }) });
  };
  w = await createPlantWorld({ createAdapter: scaled, adapterTimeoutMs: 10_000 });
  // the vendor enforces the same limit; its window also holds the 20 pages the credential's connection test
  // lists at registration (one limiter slot for us), plus the in-flight margin its clock sees differently
  sim = await w.startSim('SOLIS', { plants: PLANTS, latencyMs: 15, rateLimitPerMinute: RPM + 20 + MAX_CONCURRENT });
  proxy = await new CountingProxy().start(sim.baseUrl);
  await w.call(w.s.registryUpsert('credential'), { id: 'cred-big', organizationId: ORG, brand: 'SOLIS', credentials: SIMULATOR_CREDENTIALS.SOLIS, baseUrl: proxy.url });
  await w.db.tx(async (sql) => {
    for (const p of sim.fleet.plants) {
      await plantsRepo.upsert(sql, { id: `big-${p.index}`, organizationId: ORG, credentialId: 'cred-big', brand: 'SOLIS', vendorPlantId: p.id, name: p.name, timezone: p.timezone });
    }
  });
  sim.resetCounters();
  proxy.starts = [];
}, 120_000);
afterAll(async () => {
  await w?.stop();
  await proxy?.close();
});

describe('a sweep of 2,000 plants of one credential', () => {
  it('never exceeds the credential\'s concurrency or requests per minute, and every plant is polled once', async () => {
    const t0 = Date.now();
    expect(await w.plants.sweep()).toBe(PLANTS);
    const count = async () => Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from poll_logs`))!.n);
    await eventually(async () => (await count()) === PLANTS, 170_000, 500);
    const elapsed = Date.now() - t0;

    const statuses = await w.db.sql.all<{ status: string; n: string }>(`select status, count(*) as n from poll_logs group by status`);
    expect(statuses).toEqual([{ status: 'SUCCESS', n: String(PLANTS) }]);
    expect(sim.counters.rateLimited).toBe(0);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
    // the limiter stamps a call when it starts; the vendor sees it on arrival, at most one in-flight batch later
    expect(proxy.maxPerMinute()).toBeLessThanOrEqual(RPM + MAX_CONCURRENT);
    // the sweep needed more calls than one minute allows: the window really held some back
    expect(proxy.starts.length).toBeGreaterThan(RPM);
    expect(elapsed).toBeGreaterThan(60_000);
  }, 180_000);
});
