import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimiterRegistry, SIMULATOR_CREDENTIALS, createSolarAdapter, type RunningSimulator, type SolarAdapter } from '../../../adapters/solar';
import { plantsRepo } from '../../../persistence';
import { ORG, createPlantWorld, type PlantWorld } from './world';

/**
 * A sweep of 600 plants behind one credential (issue 11, defect 13). The vendor's rate windows, the
 * credential's limiter and the counting proxy share one clock that runs 20× faster than real time, so a
 * "minute" of vendor window lasts 3 s and the test needs no wall-clock budget: it waits for the polls to
 * finish, however loaded the machine. The limits are scaled from Solis' 2 concurrent / 120 per minute so
 * that the sweep needs several windows. The vendor counts each request when it arrives, on that clock.
 */
const PLANTS = 600;
const MAX_CONCURRENT = 6;
const RPM = 400;
const SPEED = 20;

/** Time that runs SPEED× faster than the wall clock, from the moment it is made. */
class FastClock {
  private readonly t0 = Date.now();
  now = (): number => this.t0 + (Date.now() - this.t0) * SPEED;
  sleep = (ms: number): Promise<void> => new Promise((r) => { setTimeout(r, Math.ceil(ms / SPEED)).unref(); });
}

class CountingProxy {
  inFlight = 0;
  maxInFlight = 0;
  arrivals: number[] = [];
  private server!: Server;
  url = '';

  constructor(private readonly clock: FastClock) {}

  async start(target: string): Promise<this> {
    const t = new URL(target);
    this.server = createServer((req, res) => {
      this.arrivals.push(this.clock.now());
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

  /** Most arrivals in any window of one (fast) minute. */
  maxPerMinute(): number {
    let max = 0;
    for (let i = 0, j = 0; j < this.arrivals.length; j++) {
      while (this.arrivals[j]! - this.arrivals[i]! >= 60_000) i++;
      max = Math.max(max, j - i + 1);
    }
    return max;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Waits for a condition as long as it makes progress; fails only when it stalls (not when the machine is slow). */
async function untilDone(progress: () => Promise<number>, target: number, stallMs = 120_000): Promise<void> {
  let last = -1;
  let lastMoved = Date.now();
  for (;;) {
    const n = await progress();
    if (n >= target) return;
    if (n !== last) { last = n; lastMoved = Date.now(); }
    if (Date.now() - lastMoved > stallMs) throw new Error(`stalled at ${n} of ${target}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const clock = new FastClock();
let w: PlantWorld;
let sim: RunningSimulator;
let proxy: CountingProxy;

beforeAll(async () => {
  const scaled = (brand: string, creds: unknown, opts: object): SolarAdapter => {
    const a = createSolarAdapter(brand, creds, opts);
    const caps = a.getCapabilities();
    return Object.assign(Object.create(a) as SolarAdapter, { getCapabilities: () => ({ ...caps, maxConcurrentRequests: MAX_CONCURRENT, requestsPerMinute: RPM }) });
  };
  w = await createPlantWorld({ createAdapter: scaled, adapterTimeoutMs: 30_000, limiters: new LimiterRegistry({ now: clock.now, sleep: clock.sleep }) });
  // the vendor enforces exactly the credential's limit, on the same clock: one request over it is a 429
  sim = await w.startSim('SOLIS', { plants: PLANTS, latencyMs: 15, rateLimitPerMinute: RPM, rateClock: clock.now });
  proxy = await new CountingProxy(clock).start(sim.baseUrl);
  await w.call(w.s.registryUpsert('credential'), { id: 'cred-big', organizationId: ORG, brand: 'SOLIS', credentials: SIMULATOR_CREDENTIALS.SOLIS, baseUrl: proxy.url });
  await w.db.tx(async (sql) => {
    for (const p of sim.fleet.plants) {
      await plantsRepo.upsert(sql, { id: `big-${p.index}`, organizationId: ORG, credentialId: 'cred-big', brand: 'SOLIS', vendorPlantId: p.id, name: p.name, timezone: p.timezone });
    }
  });
}, 600_000);
afterAll(async () => {
  await w?.stop();
  await proxy?.close();
});

describe('a sweep of 600 plants of one credential', () => {
  it("never exceeds the credential's concurrency or requests per minute, and every plant is polled once", async () => {
    const t0 = clock.now();
    expect(await w.plants.sweep()).toBe(PLANTS);
    const count = async () => Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from poll_logs`))!.n);
    await untilDone(count, PLANTS);
    const elapsed = clock.now() - t0;

    const statuses = await w.db.sql.all<{ status: string; n: string }>(`select status, count(*) as n from poll_logs group by status`);
    expect(statuses).toEqual([{ status: 'SUCCESS', n: String(PLANTS) }]);
    expect(sim.counters.rateLimited).toBe(0);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
    // counted by the vendor's clock on arrival, registration included: never more than the limit
    expect(proxy.maxPerMinute()).toBeLessThanOrEqual(RPM);
    // the sweep needed more requests than one window allows: the window really held some back
    expect(proxy.arrivals.length).toBeGreaterThan(2 * RPM);
    expect(elapsed).toBeGreaterThan(2 * 60_000);
  }, 1_800_000);
});
