import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigSchema, parseConfig } from '../../core/config';
import { DEFAULT_DEADLINE_MS } from '../../adapters/emlite';

// Pure: every default is written once, in the schema's fields (issue 12).
const sections = Object.keys(ConfigSchema.shape).filter((k) => typeof (CONFIG_DEFAULTS as Record<string, unknown>)[k] === 'object');

describe('core/config defaults', () => {
  it('a section left out gets exactly what its fields default to (no second copy that can drift)', () => {
    expect(sections.length).toBeGreaterThanOrEqual(12);
    const empty = Object.fromEntries(sections.map((k) => [k, {}]));
    expect(parseConfig({})).toEqual(parseConfig(empty));
    // and one field given keeps the rest of its section's defaults
    for (const k of sections) {
      const one = parseConfig({ [k]: {} });
      expect(one[k as keyof typeof one], k).toEqual(CONFIG_DEFAULTS[k as keyof typeof CONFIG_DEFAULTS]);
    }
    expect(parseConfig({ database: { poolMax: 3 } }).database).toEqual({ ...CONFIG_DEFAULTS.database, poolMax: 3 });
  });

  it('the defaults a reader expects', () => {
    expect(CONFIG_DEFAULTS.database).toMatchObject({ pgliteDir: '.data/pglite', poolMax: 10, groupCommitWindowMs: 2, groupCommitMaxRows: 500 });
    expect(CONFIG_DEFAULTS.actors).toEqual({ passivateAfterMs: 600_000, askTimeoutMs: 15_000, maxLive: 250_000 });
    expect(CONFIG_DEFAULTS.interactions).toMatchObject({ abortWhenNotSeenForMs: 2_592_000_000, deferWhenNotSeenForMs: 3_600_000 });
    expect(CONFIG_DEFAULTS.gateway).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8080, maxPayloadBytes: 65_536 });
  });

  it('an adapter falling back on its own takes the node default', () => {
    expect(DEFAULT_DEADLINE_MS).toBe(CONFIG_DEFAULTS.emlite.deadlineMs);
  });
});
