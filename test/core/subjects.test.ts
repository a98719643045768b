import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors';
import { subjects, topics, type Family } from '../../core/subjects';
import { classifyUnserved } from '../../gateway/nats/catchAll';

// Pure: no NATS, no database. One definition per family gives pattern, builder and parser (issue 12).
const safeId = fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/);
const prefix = fc.array(fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/), { minLength: 1, maxLength: 3 }).map((t) => t.join('.'));
const slotCount = (f: Family) => (f.spec.match(/\{[^}]+\}/g) ?? []).length;
const slotNames = (f: Family) => (f.spec.match(/\{>?([^}]+)\}/g) ?? []).map((x) => x.replace(/[{}>]/g, ''));
const idFamilies = (s: ReturnType<typeof subjects>) => s.families.filter((f) => slotCount(f) > 0 && !f.spec.includes('{>'));

describe('core/subjects: build → parse', () => {
  it('every family parses back the ids it was built from, under any prefix', () => {
    fc.assert(fc.property(prefix, fc.array(safeId, { minLength: 2, maxLength: 2 }), (p, ids) => {
      for (const f of subjects(p).families) {
        const args = ids.slice(0, slotCount(f));
        const r = f.parse(f.build(...args));
        expect(r, f.spec).toEqual({ ok: true, ids: Object.fromEntries(slotNames(f).map((n, i) => [n, args[i]])) });
        expect(f(...args)).toBe(f.build(...args));
      }
    }), { numRuns: 200 });
  });

  it('a forwarded subject keeps the whole original subject as its rest', () => {
    fc.assert(fc.property(prefix, safeId, safeId, (p, node, meter) => {
      const s = subjects(p);
      const inner = s.all.ids(s.meterGet(meter)).rest;
      const fwd = s.clusterForward(node, inner);
      expect(s.clusterForward.ids(fwd)).toEqual({ nodeId: node, subject: `meter.${meter}.get` });
      expect(s.all(s.clusterForward.ids(fwd).subject)).toBe(s.meterGet(meter));
      expect(s.cluster.parse(fwd).ok).toBe(true);
      expect(s.cluster.parse(s.meterGet(meter)).ok).toBe(false);
    }));
  });

  it('every WS topic parses back its ids', () => {
    fc.assert(fc.property(safeId, (id) => {
      for (const f of Object.values(topics as Record<string, Family>)) {
        const args = Array.from({ length: slotCount(f) }, () => id);
        expect(f.parse(f(...args))).toEqual({ ok: true, ids: Object.fromEntries(slotNames(f).map((n) => [n, id])) });
      }
    }));
  });

  it('the pattern matches what a service subscribed to before (wildcard per id)', () => {
    const s = subjects('gt');
    expect(s.meterGet.pattern).toBe('gt.meter.*.get');
    expect(s.clusterForward('n1', '>')).toBe('gt.cluster.node.n1.fwd.>');
    expect(s.clusterForward.pattern).toBe('gt.cluster.node.*.fwd.>');
    expect(s.histories['meter.credit'].pattern).toBe('gt.history.meter.*.credit');
    expect(s.all.pattern).toBe('gt.>');
  });
});

describe('core/subjects: parse refuses', () => {
  const s = subjects('gt.t1');
  const bad = (f: Family, subject: string, code: string, value?: string) => {
    const r = f.parse(subject);
    expect(r.ok, subject).toBe(false);
    if (r.ok) return;
    expect(r.error.code, subject).toBe(code);
    if (value !== undefined) expect(r.error.details).toMatchObject({ value });
    expect(() => f.ids(subject)).toThrow(r.error.message);
  };

  it('a dotted id in any id position of any family is INVALID_ID naming the whole id', () => {
    fc.assert(fc.property(fc.array(safeId, { minLength: 2, maxLength: 4 }), (parts) => {
      const dotted = parts.join('.');
      for (const f of idFamilies(s)) {
        // Build with a dotted id in every slot in turn; the others stay valid.
        for (let k = 0; k < slotCount(f); k++) {
          const args = Array.from({ length: slotCount(f) }, (_, i) => (i === k ? dotted : 'ok'));
          bad(f, f.build(...args), slotCount(f) === 1 ? ErrorCode.INVALID_ID : ErrorCode.UNKNOWN_SUBJECT, slotCount(f) === 1 ? dotted : undefined);
        }
      }
    }), { numRuns: 50 });
  });

  it.each(['*', '>', 'a b', ' ', '', 'ü', 'a$b', 'x'.repeat(129)])('the id %j is INVALID_ID in every family', (id) => {
    for (const f of idFamilies(s)) bad(f, f.build(...Array.from({ length: slotCount(f) }, () => id)), ErrorCode.INVALID_ID, id.slice(0, 140));
    for (const f of Object.values(topics as Record<string, Family>)) expect(f.parse(f(...Array.from({ length: slotCount(f) }, () => id))).ok).toBe(false);
  });

  it('another family, another prefix or a truncated subject is UNKNOWN_SUBJECT', () => {
    bad(s.meterGet, s.meterSync('m1'), ErrorCode.UNKNOWN_SUBJECT);
    bad(s.meterGet, subjects('other').meterGet('m1'), ErrorCode.UNKNOWN_SUBJECT);
    bad(s.meterGet, 'gt.t1.meter.m1', ErrorCode.UNKNOWN_SUBJECT);
    bad(s.meterGet, 'gt.t1.meter', ErrorCode.UNKNOWN_SUBJECT);
    bad(s.batchCreate, 'gt.t1.batch.create.now', ErrorCode.UNKNOWN_SUBJECT);
    bad(s.meterIssuesList, 'gt.t1.meter.m1.issues.open', ErrorCode.UNKNOWN_SUBJECT);
    expect(topics.esco.parse('esco/e1').ok).toBe(false);
    expect(topics.grid.parse('meter/m1').ok).toBe(false);
  });
});

describe('core/subjects: the wire', () => {
  it('subjects are byte-identical to the documented ones', () => {
    const s = subjects();
    expect([
      s.meterCreateInteraction('m1'), s.meterGet('m1'), s.meterDesiredSet('m1'), s.meterSync('m1'), s.meterReport('m1'), s.uplinksIngest(),
      s.meterIssuesOpen('m1'), s.meterIssuesClose('m1'), s.meterIssuesList('m1'), s.issuesList(), s.meterInteractionsList('m1'),
      s.gridInteractionsList('g1'), s.batchesList(), s.commissioningsList(), s.interactionGet('i1'), s.interactionAbort('i1'),
      s.commissioningCreate(), s.commissioningGet('c1'), s.gridGet('g1'), s.escoSyncStatus('e1'), s.batchCreate(), s.batchGet('b1'),
      s.registryUpsert('credential'), s.gridOnlineSet(), s.dcuOnlineSet(), s.escoSync('e1'), s.plantPoll('p1'), s.plantGet('p1'),
      s.alertAck('a1'), s.alertsList(), s.ownersGet(), s.metersList(), s.plantsList(), s.fleetOverview(),
      s.history('meter.credit', 'm1'), s.history('plant.power', 'p1'), s.history('polls'), s.clusterStatus(), s.clusterNodeStatus('n1'),
      s.clusterForward('n1', 'meter.m1.get'), s.clusterWorldChanged(), s.clusterBucket(), s.evtGridMeterInteraction('g1'), s.evtMeterState('m1'),
      s.evtPlantStatus('p1'), s.evtPlantAlert('p1'), s.evtEscoSync('e1'), s.evtOrgAlert('o1'), s.evtClusterStatus(), s.evtPlantTelemetry('p1'),
      topics.grid('g1'), topics.meter('m1'), topics.plant('p1'), topics.alerts('o1'), topics.esco('e1'), topics.telemetry('meter', 'm1'), topics.telemetry('plant', 'p1'),
    ]).toEqual([
      'gridtwin.meter.m1.interactions.create', 'gridtwin.meter.m1.get', 'gridtwin.meter.m1.desired.set', 'gridtwin.meter.m1.sync', 'gridtwin.meter.m1.report', 'gridtwin.uplinks.ingest',
      'gridtwin.meter.m1.issues.open', 'gridtwin.meter.m1.issues.close', 'gridtwin.meter.m1.issues.list', 'gridtwin.issues.list', 'gridtwin.meter.m1.interactions.list',
      'gridtwin.grid.g1.interactions.list', 'gridtwin.batches.list', 'gridtwin.commissionings.list', 'gridtwin.interaction.i1.get', 'gridtwin.interaction.i1.abort',
      'gridtwin.commissioning.create', 'gridtwin.commissioning.c1.get', 'gridtwin.grid.g1.get', 'gridtwin.esco.e1.sync.status', 'gridtwin.batch.create', 'gridtwin.batch.b1.get',
      'gridtwin.registry.credential.upsert', 'gridtwin.registry.grid.online', 'gridtwin.registry.dcu.online', 'gridtwin.esco.e1.sync', 'gridtwin.plant.p1.poll', 'gridtwin.plant.p1.get',
      'gridtwin.alert.a1.ack', 'gridtwin.alerts.list', 'gridtwin.owners.get', 'gridtwin.meters.list', 'gridtwin.plants.list', 'gridtwin.fleet.overview',
      'gridtwin.history.meter.m1.credit', 'gridtwin.history.plant.p1.power', 'gridtwin.history.polls', 'gridtwin.cluster.status', 'gridtwin.cluster.node.n1.status',
      'gridtwin.cluster.node.n1.fwd.meter.m1.get', 'gridtwin.cluster.world-changed', 'gridtwin_cluster', 'gridtwin.evt.grid.g1.meter-interaction', 'gridtwin.evt.meter.m1.state',
      'gridtwin.evt.plant.p1.status', 'gridtwin.evt.plant.p1.alert', 'gridtwin.evt.esco.e1.sync', 'gridtwin.evt.org.o1.alert', 'gridtwin.evt.cluster.status', 'gridtwin.evt.plant.p1.telemetry',
      'grid/g1', 'meter/m1', 'plant/p1', 'alerts/o1', 'esco/e1/sync', 'telemetry/meter/m1', 'telemetry/plant/p1',
    ]);
  });

  it('every channel of docs/asyncapi.yaml is a family (same tokens; only id names may differ)', () => {
    const asyncapi = readFileSync(new URL('../../docs/asyncapi.yaml', import.meta.url), 'utf8');
    const channels = [...asyncapi.matchAll(/^ {2}(gridtwin\.[^:\s]+):$/gm)].map((m) => m[1]!);
    expect(channels.length).toBeGreaterThan(30);
    const shape = (x: string) => x.replace(/\{[^}]+\}/g, '{}');
    const specs = new Set(subjects().families.map((f) => shape(`gridtwin.${f.spec}`)));
    expect(channels.filter((c) => !specs.has(shape(c)))).toEqual([]);
  });
});

describe('catch-all classification (gateway/nats/catchAll)', () => {
  const s = subjects('gt');
  const served = [s.meterGet.pattern, s.interactionAbort.pattern, s.batchCreate.pattern];
  it('a served subject is left to its endpoint; a dotted id is INVALID_ID; anything else UNKNOWN_SUBJECT', () => {
    expect(classifyUnserved('gt.meter.m0.get', served, s.families)).toBeNull();
    expect(classifyUnserved('gt.meter.m0.x.get', served, s.families)).toMatchObject({ code: 'INVALID_ID', details: { value: 'm0.x', field: 'meterId' } });
    expect(classifyUnserved('gt.interaction.i.1.abort', served, s.families)).toMatchObject({ code: 'INVALID_ID', details: { value: 'i.1' } });
    // Not served here (meter sync belongs to another service): nothing to say about its id.
    expect(classifyUnserved('gt.meter.a.b.sync', served, s.families)).toMatchObject({ code: 'UNKNOWN_SUBJECT' });
    expect(classifyUnserved('gt.meters.m0.get', served, s.families)).toMatchObject({ code: 'UNKNOWN_SUBJECT' });
  });
});
