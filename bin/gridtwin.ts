#!/usr/bin/env -S npx tsx
import { loadConfig } from '../core/config';
import { detach } from '../core/detached';
import { createLogger } from '../core/logger';
import { openDatabase } from '../persistence';
import { startNode } from '../gateway/node';

const USAGE = `usage: gridtwin <command>
  start     run a node (standalone when DATABASE_URL and NATS_URL are unset)
  migrate   apply the checked-in database migrations and exit`;

async function main(argv: string[]) {
  const cmd = argv[0] ?? 'start';
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  if (cmd === 'migrate') {
    const db = await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir });
    const applied = await db.migrate();
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    await db.close();
    return;
  }
  if (cmd !== 'start') {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const node = await startNode(config, { logger });
  const where = node.gateway ? `http://${config.gateway.host}:${node.gateway.port}/` : '(gateway disabled)';
  logger.info({ mode: config.mode, database: node.db.kind, bus: node.bus.kind, dashboard: where }, 'gridtwin node started');
  if (config.mode === 'standalone') {
    const demo = node.gateway ? `${where}?grids=grid-north,grid-lake&plants=plant-solis-1,plant-huawei-1,plant-goodwe-1,plant-deye-1&org=demo-esco` : where;
    process.stdout.write(`\n  gridtwin standalone node is running\n  dashboard:  ${where}\n  demo view:  ${demo}\n  HTTP API:   ${where}api/meters/mtr-n1\n  stop with Ctrl+C\n\n`);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await node.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => detach(shutdown('SIGINT'), 'shutdown'));
  process.on('SIGTERM', () => detach(shutdown('SIGTERM'), 'shutdown'));
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`gridtwin: ${(e as Error).message}\n`);
  process.exit(1);
});
