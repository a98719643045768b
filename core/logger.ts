import pino, { type Logger } from 'pino';

/** Fields that must never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'appSecret', '*.appSecret', 'apiSecret', '*.apiSecret',
  'token', '*.token', 'accessToken', '*.accessToken', 'authorization', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'credentials', '*.credentials', 'botToken', '*.botToken',
  'encryptionKey', '*.encryptionKey', 'jwtSecret', '*.jwtSecret',
];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'gridtwin',
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** A logger that writes nothing: the default for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });

export type { Logger };
