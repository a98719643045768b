import { randomBytes } from 'node:crypto';

export const NATS_URL = 'nats://127.0.0.1:4222';

/** A subject prefix of its own for every test file, so files can share the local NATS server. */
export const testPrefix = (label = 't'): string => `gt${label}${randomBytes(4).toString('hex')}`;
