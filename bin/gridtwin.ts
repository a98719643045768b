#!/usr/bin/env node
import { VERSION } from '../core/version';

const USAGE = `usage: gridtwin [command] [--help] [--version]
  start      run a node (the default; standalone when DATABASE_URL and NATS_URL are unset)
  migrate    apply the checked-in database migrations and exit

  --help     this text        --version  the version
Configuration is read from the environment (README: Configuration); a wrong value names its variable.`;

/** `--help` and `--version` answer before anything heavy is loaded: the node's modules are imported only to run one. */
async function main(argv: string[]): Promise<number | null> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`gridtwin ${VERSION}\n`);
    return 0;
  }
  const cmd = argv[0] ?? 'start';
  if (cmd !== 'start' && cmd !== 'migrate') {
    process.stderr.write(`gridtwin: unknown command ${cmd}\n${USAGE}\n`);
    return 2;
  }
  const [{ loadConfig }, { createLogger }] = await Promise.all([import('../core/config'), import('../core/logger')]);
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  if (cmd === 'migrate') {
    const { openDatabase } = await import('../persistence');
    const db = await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir });
    const applied = await db.migrate();
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    await db.close();
    return 0;
  }
  const startedAt = performance.now();
  // Standalone: the embedded database opens (PGlite compiles and boots its WebAssembly) while the node's modules load.
  let opening: Promise<import('../persistence').Database> | undefined;
  if (config.mode === 'standalone') {
    const { openDatabase } = await import('../persistence');
    opening = openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: config.database.poolMax });
    opening.catch(() => undefined); // handled where startNode awaits it; not an unhandled rejection meanwhile
  }
  const { startNode } = await import('../gateway/node');
  const loadMs = Math.round(performance.now() - startedAt);
  const node = await startNode(config, { logger, opening });
  const where = node.gateway ? `http://${config.gateway.host}:${node.gateway.port}/` : '(gateway disabled)';
  const phases = { load: loadMs, ...node.phases };
  logger.info({ mode: config.mode, database: node.db.kind, bus: node.bus.kind, dashboard: where, startMs: Math.round(performance.now() - startedAt), phases }, 'gridtwin node started');
  if (config.mode === 'standalone' && node.gateway) {
    process.stdout.write(`\n  gridtwin standalone node is running\n  dashboard:  ${where}\n  HTTP API:   ${where}openapi.json (e.g. ${where}api/meters)\n  WebSocket:  ws://${config.gateway.host}:${node.gateway.port}/ws\n  stop with Ctrl+C\n\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    node.stop().then(
      () => {
        logger.info({ signal }, 'stopped');
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: e, signal }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return null; // keeps running until a signal
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (e: unknown) => {
    // Configuration errors are the user's to fix: their message names the variable; anything else keeps its stack.
    const err = e as Error & { code?: string };
    process.stderr.write(err.code === 'VALIDATION_FAILED' ? `gridtwin: ${err.message}\n` : `gridtwin: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
