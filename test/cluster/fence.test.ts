import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../actors/cluster';
import { fenceSettings } from '../../gateway/cluster';
import { fencingRepo } from '../../persistence/repositories/fencing';
import { interactionsRepo, openDatabase, registryRepo, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';

const PARTITIONS = 16;

/** The PostgreSQL fence: epochs only rise, and a node that lost its partition cannot write for its devices. */
describe('partition fence', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Database;
  let a: Database;
  let b: Database;
  const part = partitionOf('m1', PARTITIONS);

  beforeAll(async () => {
    tdb = await createTestDatabase('gtfence');
    admin = await openDatabase({ url: tdb.url, poolMax: 2 });
    await admin.migrate();
    a = await openDatabase({ url: tdb.url, poolMax: 2, sessionSettings: fenceSettings('node-a', PARTITIONS) });
    b = await openDatabase({ url: tdb.url, poolMax: 2, sessionSettings: fenceSettings('node-b', PARTITIONS) });
    await registryRepo.upsertOrganization(admin.sql, { id: 'o1', name: 'O' });
    await registryRepo.upsertGrid(admin.sql, { id: 'g1', organizationId: 'o1', name: 'G' });
    await registryRepo.upsertMeter(admin.sql, { id: 'm1', serial: 'S1', protocol: 'CALIN_V2', gridId: 'g1' });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), admin?.close()]);
    await tdb?.drop();
  });

  it('computes the same partition in SQL as in TypeScript', async () => {
    const ids = ['m1', 'mtr-n1', 'a', '0', 'émetteur', '電表-7', 'x'.repeat(100), ...Array.from({ length: 50 }, (_, i) => `meter-${i * 7919}`)];
    for (const id of ids) {
      const r = await admin.sql.one<{ p: number }>(`select gridtwin_partition(?, ?) as p`, [id, 256]);
      expect(Number(r!.p), id).toBe(partitionOf(id, 256));
    }
  });

  it('epochs only rise: an older epoch cannot take a partition back', async () => {
    expect(await fencingRepo.claim(admin.sql, 99, 10, 'node-a')).toBe(true);
    expect(await fencingRepo.claim(admin.sql, 99, 5, 'node-b')).toBe(false);
    expect(await fencingRepo.claim(admin.sql, 99, 10, 'node-a')).toBe(true); // same owner re-claims its epoch
    expect(await fencingRepo.claim(admin.sql, 99, 12, 'node-b')).toBe(true);
    expect(await fencingRepo.claim(admin.sql, 99, 10, 'node-a')).toBe(false);
    expect((await fencingRepo.epochs(admin.sql)).find((e) => e.partition === 99)).toEqual({ partition: 99, epoch: 12, nodeId: 'node-b' });
  });

  it("rejects a stale owner's writes after a takeover, and accepts the new owner's", async () => {
    expect(await fencingRepo.claim(admin.sql, part, 10, 'node-a')).toBe(true);
    const i1 = await interactionsRepo.insert(a.sql, { id: 'i1', meterId: 'm1', type: 'READ_CREDIT', status: 'QUEUED', params: {} });
    expect(i1?.status).toBe('QUEUED');
    await expect(interactionsRepo.insert(b.sql, { id: 'i2', meterId: 'm1', type: 'READ_CREDIT', status: 'QUEUED', params: {} })).rejects.toThrow(/gridtwin fence/);

    // node-b takes the partition over (newer epoch); node-a does not know yet.
    expect(await fencingRepo.claim(admin.sql, part, 20, 'node-b')).toBe(true);
    await expect(interactionsRepo.transition(a.sql, 'i1', ['QUEUED'], 'PROCESSING')).rejects.toThrow(/gridtwin fence/);
    const row = await registryRepo.loadMeterContext(admin.sql, 'm1');
    await expect(a.tx((sql) => interactionsRepo.commitOutcome(sql, {
      interactionId: 'i1', fromStatuses: ['QUEUED'], status: 'FAILED', failureReason: 'stale', meterId: 'm1',
      meterRowVersion: row!.meter.rowVersion, meterPatch: {}, closeIssueIds: [], outbox: [{ step: 'emitEvent' }],
    }))).rejects.toThrow(/gridtwin fence/);
    expect((await interactionsRepo.get(admin.sql, 'i1'))!.status).toBe('QUEUED');

    await b.tx((sql) => interactionsRepo.commitOutcome(sql, {
      interactionId: 'i1', fromStatuses: ['QUEUED'], status: 'SUCCESSFUL', meterId: 'm1',
      meterRowVersion: row!.meter.rowVersion, meterPatch: {}, closeIssueIds: [], outbox: [{ step: 'emitEvent' }],
    }));
    expect((await interactionsRepo.get(admin.sql, 'i1'))!.status).toBe('SUCCESSFUL');
  });

  it('leaves connections without a node id (single node, tools) unfenced', async () => {
    await interactionsRepo.insert(admin.sql, { id: 'i3', meterId: 'm1', type: 'READ_CREDIT', status: 'QUEUED', params: {} });
    expect((await interactionsRepo.get(admin.sql, 'i3'))!.status).toBe('QUEUED');
  });
});
