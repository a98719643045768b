/**
 * A production-like gridtwin node in its own process for the fault suite: configuration from argv[2] (JSON),
 * real PostgreSQL and NATS, the bundled simulated meters, the configured order webhook. Prints
 * `READY <gatewayPort>` when serving; SIGTERM stops it cleanly.
 */
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/logger';
import { startNode } from '../../gateway/node';

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}'));
const node = await startNode(config, { logger: createLogger({ level: config.logLevel }) });
process.stdout.write(`READY ${node.gateway?.port ?? 0}\n`);
process.once('SIGTERM', () => {
  node.stop().then(() => process.exit(0), () => process.exit(1));
});
