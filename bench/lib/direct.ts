import { runMain } from './report';
/** Diagnostic: the same workload as bench:interactions without NATS (runtime called in-process). */
import { parseConfig } from '../../core/config';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { LocalBus } from '../../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { startNode } from '../../gateway/node';
import { openDatabase } from '../../persistence';
import { createTestDatabase } from '../../test/helpers/db';

async function main() {
  const tdb = await createTestDatabase('direct');
  const db = await openDatabase({ url: tdb.url, poolMax: 16 });
  await db.migrate();
  const fleet = new SimulatedFleetDriver();
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V2: fleet }, tokenService: new SimulatedTokenService() });
  const node = await startNode(parseConfig({ mode: 'production', logLevel: 'silent', gateway: { enabled: false } }), { db, bus: new LocalBus(), driver, logger: silentLogger, metrics: createMetrics(), gateway: false, autorun: false });
  await db.sql.run(`insert into organizations(id, name) values ('o', 'Org')`);
  await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'Grid')`);
  await db.sql.run(`insert into meters(id, serial, communication_protocol, grid_id, last_seen_at) select 'm' || i, 'S' || i, 'CALIN_V2', 'g', now() from generate_series(0, 999) i`);
  const done = new Map<string, () => void>();
  node.bus.subscribe('gridtwin.evt.grid.g.meter-interaction', (m) => { const e = m.json<{ interaction: { id: string } }>(); done.get(e.interaction.id)?.(); });
  for (const phase of ['warm', 'run']) {
    let n = 0; let k = 0;
    const until = performance.now() + 4000; const t0 = performance.now();
    await Promise.all(Array.from({ length: 256 }, async () => {
      while (performance.now() < until) {
        const i = k++;
        const r = await node.runtime.createInteraction(`m${(i * 7919) % 1000}`, { type: ['READ_CREDIT', 'READ_VERSION', 'READ_POWER'][i % 3] });
        await new Promise<void>((res) => done.set(r.id, res));
        n++;
      }
    }));
    console.log(phase, (n / ((performance.now() - t0) / 1000)).toFixed(0), '/s');
  }
  await new Promise((r) => setTimeout(r, 500));
  await node.stop(); await db.close(); await tdb.drop();
}
runMain(main);
