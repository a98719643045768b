import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Fields that must never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'appSecret', '*.appSecret', 'apiSecret', '*.apiSecret',
  'token', '*.token', 'accessToken', '*.accessToken', 'authorization', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'credentials', '*.credentials', 'botToken', '*.botToken',
  'encryptionKey', '*.encryptionKey', 'jwtSecret', '*.jwtSecret',
];

/**
 * JSON lines (for collectors) unless `pretty`: then human-readable, coloured lines (a terminal). Errors logged
 * under `err` keep their stack either way (pino's error serializer).
 */
export function createLogger(opts: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const options = {
    name: opts.name ?? 'gridtwin',
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  // Synchronous, in this thread: the last lines before an exit are never lost.
  return opts.pretty ? pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })) : pino(options);
}

/** A logger that writes nothing: the default for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });

export type { Logger };
