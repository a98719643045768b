import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_URL } from '../helpers/nats';
import { createWorld, eventually, type World } from '../helpers/world';

const SOURCE = readFileSync(new URL('../../docs/asyncapi.yaml', import.meta.url), 'utf8');
/** Services a node serves under its prefix (the catch-all answers strays and is no interface). */
const SERVICES = ['gridtwin', 'gridtwin-plants', 'gridtwin-queries', 'gridtwin-sync'];

let w: World;
let nc: NatsConnection;
beforeAll(async () => {
  w = await createWorld({ simulators: { enabled: true } });
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  await nc?.close();
  await w?.stop();
});

/** The endpoints this node's services list in their NATS micro `$SRV.INFO` (other nodes on the server have other prefixes). */
async function servedSubjects(prefix: string): Promise<string[]> {
  const seen = new Map<string, string[]>();
  const inbox = `_INBOX.asyncapi.${Date.now()}`;
  const sub = nc.subscribe(inbox, {
    callback: (_e, m) => {
      const info = m.json<{ name: string; endpoints?: Array<{ subject: string }> }>();
      const mine = (info.endpoints ?? []).map((e) => e.subject).filter((s) => s.startsWith(`${prefix}.`));
      if (mine.length && SERVICES.includes(info.name)) seen.set(info.name, mine);
    },
  });
  try {
    await eventually(async () => {
      nc.publish('$SRV.INFO', '', { reply: inbox });
      await nc.flush();
      await new Promise((r) => setTimeout(r, 100));
      return SERVICES.every((s) => seen.has(s));
    }, 15_000, 0);
  } finally {
    sub.unsubscribe();
  }
  return [...seen.values()].flat();
}

describe('docs/asyncapi.yaml', () => {
  it('is valid for @asyncapi/parser, and every message has a messageId', async () => {
    const { document, diagnostics } = await new Parser().parse(SOURCE);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
    const messages = document!.allMessages().all();
    expect(messages.length).toBeGreaterThan(50);
    const missing = messages.filter((m) => !(m.json() as { messageId?: string }).messageId).map((m) => m.name() ?? m.id());
    expect(missing).toEqual([]);
    const ids = messages.map((m) => (m.json() as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every subject the node serves (compared with the services\' own endpoint lists)', async () => {
    const served = await servedSubjects(w.config.prefix);
    expect(served.length).toBeGreaterThan(50);
    const channels = [...SOURCE.matchAll(/^ {2}(gridtwin\.[^:\s]+):$/gm)].map((m) => m[1]!.replace(/\{[^}]+\}/g, '*'));
    const documented = new Set(channels);
    const undocumented = served.map((s) => `gridtwin${s.slice(w.config.prefix.length)}`).filter((s) => !documented.has(s));
    expect(undocumented).toEqual([]);
  });
});
