import { readFileSync } from 'node:fs';

/** The package's version (package.json), read once; `gridtwin --version`, the NATS services and /openapi.json report it. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
