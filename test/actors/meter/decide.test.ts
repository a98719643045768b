import { describe, expect, it } from 'vitest';
import type { InteractionRow } from '../../../persistence';
import { context, H, kinds, MeterModel, NOW } from './harness';

const statusOf = (m: MeterModel, id: string) => m.state.queue.find((q) => q.id === id)?.status;

describe('create and dispatch (pure)', () => {
  it('an idle meter: the row is written, the caller answered, then QUEUED → PROCESSING and one command on the wire', () => {
    const m = new MeterModel();
    const fx = m.create('TURN_OFF');
    expect(kinds(fx)).toEqual(['insert', 'count', 'reply', 'publishInteraction', 'transition', 'count', 'publishInteraction', 'send']);
    expect(m.replies[0]).toMatchObject({ id: 'i1', status: 'QUEUED', type: 'TURN_OFF' });
    expect(m.state.inFlight).toBe('i1');
    expect(m.state.ctx.meter.desired).toEqual({ relay: 'off' });
    expect(m.sent.map((c) => [c.interactionId, c.type])).toEqual([['i1', 'TURN_OFF']]);
  });

  it('a busy meter queues: nothing more on the wire until the first finishes, then the next in arrival order', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT');
    const fx = m.create('READ_VERSION');
    expect(kinds(fx)).toEqual(['insert', 'count', 'reply', 'publishInteraction']);
    expect(m.wire).toHaveLength(1);
    const done = m.answer({ ok: true, result: { kwhCredit: 4, isOn: true } });
    expect(kinds(done)).toEqual(['commit', 'count', 'publishMeterState', 'settled', 'transition', 'count', 'publishInteraction', 'send']);
    expect(m.sent.map((c) => c.type)).toEqual(['READ_CREDIT', 'READ_VERSION']);
  });

  it('the outcome commit carries steps 1–4 and the outbox, and predicts the row version it produces', () => {
    const m = new MeterModel(context({ rowVersion: 7 }));
    m.create('READ_CREDIT', {}, { orderId: 'o1' });
    m.answer({ ok: true, result: { kwhCredit: 2.5, isOn: false } });
    const [c] = m.commits();
    expect(c!.commit).toMatchObject({ status: 'SUCCESSFUL', fromStatuses: ['PROCESSING'], meterRowVersion: 7, closeIssueIds: [] });
    expect(c!.commit.meterPatch).toMatchObject({ kwhCreditAvailable: 2.5, balanceInLocalCurrency: 250, isOn: false });
    expect(c!.commit.outbox.map((o) => o.step)).toEqual(['notifyOrder', 'emitEvent']);
    expect(c!.expectRowVersion).toBe(8);
    expect(m.state.ctx.meter.rowVersion).toBe(8);
    expect(m.state.queue).toEqual([]);
    expect(m.state.inFlight).toBeNull();
  });

  it('an idempotency key seen before replays the stored interaction and writes nothing', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT', {}, { idempotencyKey: 'k1' });
    const stored = m.inserts()[0]!.row as unknown as InteractionRow;
    const fx = m.create('READ_CREDIT', {}, { idempotencyKey: 'k1' }, { create: { existing: { ...stored, batchExecutionIds: [], seq: 1, resultValue: null, updatedAt: stored.createdAt } as InteractionRow } });
    expect(kinds(fx)).toEqual(['reply']);
    expect(m.replies.at(-1)).toMatchObject({ id: 'i1', replayed: true });
  });

  it('the same key for a different request is refused with IDEMPOTENCY_KEY_REUSED and changes nothing', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT', {}, { idempotencyKey: 'k1' });
    const stored = m.inserts()[0]!.row as unknown as InteractionRow;
    const before = m.state;
    const fx = m.create('READ_VERSION', {}, { idempotencyKey: 'k1' }, { create: { existing: stored } });
    expect(kinds(fx)).toEqual(['refuse']);
    expect(m.replies.at(-1)).toEqual({ error: 'IDEMPOTENCY_KEY_REUSED' });
    expect(m.state).toBe(before);
  });
});

describe('gatekeeper through the decision', () => {
  it('a grid that is down SUSPENDS (nothing sent); a meter unseen for too long is ABORTED at the gate, through the cascade', () => {
    const down = new MeterModel(context({}, { gridOnline: false }));
    down.create('TURN_ON');
    expect(down.replies[0]).toMatchObject({ status: 'SUSPENDED' });
    expect(down.sent).toEqual([]);
    const unseen = new MeterModel(context({ lastSeenAt: new Date(NOW - 31 * 24 * H).toISOString() }));
    const fx = unseen.create('TURN_ON');
    expect(kinds(fx)).toEqual(['insert', 'count', 'commit', 'count', 'reply']);
    expect(unseen.replies[0]).toMatchObject({ status: 'ABORTED', failureReason: 'Meter not seen for 744 hours' });
    expect(unseen.state.queue).toEqual([]);
  });

  it('worldChanged with the grid back re-queues SUSPENDED reads and sends the first', () => {
    const m = new MeterModel(context({}, { gridOnline: false, twin: { suspensionRecovery: false } }));
    m.create('READ_CREDIT');
    m.create('READ_VERSION');
    m.tell({ type: 'worldChanged' }, { world: context({}, { twin: { suspensionRecovery: false } }) });
    expect(m.state.queue.map((q) => q.status)).toEqual(['PROCESSING', 'QUEUED']);
    expect(m.sent.map((c) => c.type)).toEqual(['READ_CREDIT']);
  });

  it('with suspension recovery on (organization setting), it purges stale controls and sends one synchronising control towards desired', () => {
    const m = new MeterModel(context({ isOn: true }, { gridOnline: false, twin: { suspensionRecovery: true } }));
    m.create('TURN_OFF');
    m.create('TURN_ON');
    m.create('TURN_OFF');
    const fx = m.tell({ type: 'worldChanged' }, { world: context({ isOn: true }, { twin: { suspensionRecovery: true } }) });
    expect(m.commits().map((c) => c.commit.status)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
    expect(kinds(fx).filter((k) => k === 'send')).toHaveLength(1);
    expect(m.sent.map((c) => c.type)).toEqual(['TURN_OFF']);
    // the synchronising control's row is written before any purge: a crash between them never leaves an order without a carrier
    const k = kinds(fx);
    expect(k.indexOf('insert')).toBeGreaterThanOrEqual(0);
    expect(k.indexOf('insert')).toBeLessThan(k.indexOf('commit'));
  });
});

describe('coalescing (pure)', () => {
  it('an equal read joins the one in flight: no command, the join and the caller\'s record (coalescedInto) are written', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT');
    const fx = m.create('READ_CREDIT', {}, { idempotencyKey: 'k2', batchExecutionId: 'b1' });
    expect(kinds(fx)).toEqual(['join', 'insert', 'count', 'reply']);
    expect(fx[0]).toMatchObject({ interactionId: 'i1', batchId: 'b1', alias: { key: 'k2' } });
    // The caller's own record is terminal at once, names the survivor, and holds neither the key (an alias of i1) nor the batch.
    expect(fx[1]).toMatchObject({ row: { id: 'i2', type: 'READ_CREDIT', status: 'SUPERSEDED', coalescedInto: 'i1', idempotencyKey: null, batchExecutionId: null } });
    expect(m.replies.at(-1)).toMatchObject({ id: 'i1', coalesced: true, batchExecutionIds: ['b1'] });
    expect(m.sent).toHaveLength(1);
  });

  it('TURN_ON supersedes a queued TURN_OFF, which is never sent; top-ups are never joined', () => {
    const m = new MeterModel();
    m.create('READ_VERSION');
    m.create('TURN_OFF');
    m.create('TURN_ON');
    expect(m.commits().map((c) => [c.commit.interactionId, c.commit.status])).toEqual([['i2', 'SUPERSEDED']]);
    m.create('TOP_UP', { kwh: 1 });
    m.create('TOP_UP', { kwh: 1 });
    expect(m.inserts().filter((i) => i.row.type === 'TOP_UP')).toHaveLength(2);
    m.answer({ ok: true, result: { version: 'V1' } });
    expect(m.sent.map((c) => c.type)).toEqual(['READ_VERSION', 'TURN_ON']);
  });

  it('coalescing off (organization twin settings): equal reads are two interactions', () => {
    const m = new MeterModel(context({}, { twin: { coalescing: false } }));
    m.create('READ_CREDIT');
    m.create('READ_CREDIT');
    expect(m.inserts()).toHaveLength(2);
  });
});

describe('cascade and follow-ups (pure)', () => {
  it('TOP_UP success plans one READ_CREDIT follow-up; inside a commissioning none', () => {
    const m = new MeterModel();
    m.create('TOP_UP', { kwh: 2 });
    m.answer({ ok: true });
    expect(m.commits()[0]!.commit.outbox).toEqual([{ step: 'followUps', payload: { types: ['READ_CREDIT'] } }, { step: 'emitEvent' }]);
    const c = new MeterModel();
    c.tell({ type: 'create', req: { type: 'TOP_UP', params: { kwh: 2 } } as never, opts: { commissioningId: 'c1' } });
    c.answer({ ok: true });
    expect(c.commits()[0]!.commit.outbox.map((o) => o.step)).toEqual(['commissioning', 'emitEvent']);
  });

  it('SET_POWER_LIMIT failure on CALIN_V1 plans READ_POWER_LIMIT; on CALIN_V2 it does not', () => {
    for (const [protocol, want] of [['CALIN_V1', true], ['CALIN_V2', false]] as const) {
      const m = new MeterModel(context({ protocol }, { twin: { readAfterFail: false } }));
      m.create('SET_POWER_LIMIT', { powerLimitW: 500 });
      m.answer({ ok: false, code: 'DEVICE_REJECTED' });
      expect(m.commits()[0]!.commit.status).toBe('FAILED');
      expect(m.commits()[0]!.commit.outbox.some((o) => o.step === 'followUps')).toBe(want);
    }
  });

  it('auto-closes NO_CREDIT when credit comes back positive, and NO_COMMUNICATION on any success', () => {
    const issues = [
      { id: 'is1', meterId: 'm1', type: 'NO_CREDIT' as const, status: 'OPEN' as const, createdAt: '' },
      { id: 'is2', meterId: 'm1', type: 'NO_COMMUNICATION' as const, status: 'OPEN' as const, createdAt: '' },
      { id: 'is3', meterId: 'm1', type: 'UNEXPECTED_METER_STATUS' as const, status: 'OPEN' as const, createdAt: '' },
    ];
    const m = new MeterModel(context({}, { issues }));
    m.create('READ_CREDIT');
    m.answer({ ok: true, result: { kwhCredit: 3 } });
    expect(m.commits()[0]!.commit.closeIssueIds).toEqual(['is1', 'is2']);
    expect(m.state.ctx.openIssues.map((i) => i.id)).toEqual(['is3']);
  });

  it('a success while the last commissioning is PENDING plans one resume, then not again', () => {
    const m = new MeterModel(context({ lastCommissioningId: 'c9' }, { lastCommissioningStatus: 'PENDING' }));
    m.create('READ_CREDIT');
    m.answer({ ok: true });
    m.create('READ_VERSION');
    m.answer({ ok: true });
    expect(m.commits().map((c) => c.commit.outbox.filter((o) => o.step === 'commissioning').length)).toEqual([1, 0]);
  });

  it('abort: a waiting interaction is ABORTED through the cascade; an in-flight or unknown one is refused', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT');
    m.create('READ_VERSION');
    m.tell({ type: 'abort', interactionId: 'i2', reason: 'by request', reply: ((r: unknown) => m.replies.push(r)) as never });
    expect(m.commits().map((c) => [c.commit.interactionId, c.commit.status])).toEqual([['i2', 'ABORTED']]);
    m.tell({ type: 'abort', interactionId: 'i1', reason: 'x', reply: ((r: unknown) => m.replies.push(r)) as never });
    expect(m.replies.at(-1)).toEqual({ error: 'INVALID_STATE' });
    m.tell({ type: 'abort', interactionId: 'nope', reason: 'x', reply: ((r: unknown) => m.replies.push(r)) as never });
    expect(m.replies.at(-1)).toEqual({ error: 'NOT_FOUND' });
  });
});

describe('twin: read-after-fail and reconcile (pure)', () => {
  it('a control that timed out goes VERIFYING and sends the matching read; the read decides SUCCESSFUL, once', () => {
    const m = new MeterModel();
    m.create('TURN_OFF');
    const fx = m.answer({ ok: false, code: 'TIMEOUT' });
    expect(kinds(fx)).toEqual(['transition', 'count', 'publishInteraction', 'send']);
    expect(statusOf(m, 'i1')).toBe('VERIFYING');
    expect(m.sent.map((c) => [c.interactionId, c.type])).toEqual([['i1', 'TURN_OFF'], ['i1', 'READ_CREDIT']]);
    m.answer({ ok: true, result: { isOn: false } });
    expect(m.commits().map((c) => [c.commit.status, c.commit.failureReason])).toEqual([['SUCCESSFUL', null]]);
    expect(m.state.ctx.meter.isOn).toBe(false);
  });

  it('the verification read shows the control did not apply: FAILED with both reasons', () => {
    const m = new MeterModel();
    m.create('SET_POWER_LIMIT', { powerLimitW: 700 });
    m.answer({ ok: false, code: 'DEVICE_REJECTED' });
    m.answer({ ok: true, result: { powerLimitW: 1000 } });
    expect(m.commits()[0]!.commit.failureReason).toMatch(/^DEVICE_REJECTED: .*; verification read shows the control did not take effect$/);
  });

  it('a plain read that fails is FAILED at once (no verification)', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT');
    m.answer({ ok: false, code: 'TIMEOUT' });
    expect(m.commits()[0]!.commit.status).toBe('FAILED');
    expect(m.sent).toHaveLength(1);
  });

  it('reconcile: drift gets one corrective control per tick with backoff, then one issue, then nothing', () => {
    const m = new MeterModel(context({ isOn: true, desired: { relay: 'off' } }, { twin: { reconcileBackoffMs: 1000, reconcileMaxAttempts: 2 } }));
    for (let round = 0; round < 2; round++) {
      m.tell({ type: 'tick' });
      expect(m.sent.at(-1)?.type).toBe('TURN_OFF');
      m.answer({ ok: false, code: 'DEVICE_REJECTED' });
      m.answer({ ok: true, result: { isOn: true } }); // the verification read: still on
      m.tell({ type: 'tick' }); // inside the backoff: nothing
      m.now += 10_000;
    }
    expect(m.sent.filter((c) => c.type === 'TURN_OFF')).toHaveLength(2);
    m.tell({ type: 'tick' });
    m.tell({ type: 'tick' });
    expect(m.effects.filter((e) => e.kind === 'openIssue')).toHaveLength(1);
    expect(m.sent.filter((c) => c.type === 'TURN_OFF')).toHaveLength(2);
  });

  it('deadlines: in flight past its deadline → FAILED; a read past its TTL → EXPIRED unsent', () => {
    const m = new MeterModel();
    m.create('READ_CREDIT');
    m.create('READ_VERSION', {}, { ttlMs: 1000 });
    m.now += 121_001 + 1000;
    m.tell({ type: 'tick' });
    expect(m.commits().map((c) => [c.commit.interactionId, c.commit.status])).toEqual([['i1', 'FAILED'], ['i2', 'EXPIRED']]);
  });
});

describe('sync and commands share the wire (pure)', () => {
  const emlite = () => new MeterModel(context({ protocol: 'EMLITE', mediatorAddress: 'mx' }));
  it('a sync asked while a command is on the wire waits, and starts when the command finishes', () => {
    const m = emlite();
    m.create('READ_CREDIT');
    expect(kinds(m.tell({ type: 'sync', syncers: ['SyncerReads'] }))).toEqual([]);
    const fx = m.answer({ ok: true });
    expect(kinds(fx).slice(-1)).toEqual(['startSync']);
    expect(m.maxOnWire).toBe(1);
  });

  it('a command asked while a sync runs waits for it; the sync result commits in the turn and the command goes next', () => {
    const m = emlite();
    m.tell({ type: 'sync', syncers: ['SyncerReads'] });
    m.create('READ_CREDIT');
    expect(m.sent).toEqual([]);
    const fx = m.answer({ ok: true });
    expect(kinds(fx)).toEqual(['reply', 'transition', 'count', 'publishInteraction', 'send']);
    expect(m.maxOnWire).toBe(1);
  });

  it('a sync of a non-Emlite meter or with an unknown syncer is refused at once', () => {
    const m = new MeterModel();
    m.tell({ type: 'sync', reply: ((r: unknown) => m.replies.push(r)) as never });
    expect(m.replies.at(-1)).toEqual({ error: 'INVALID_STATE' });
    const e = emlite();
    e.tell({ type: 'sync', syncers: ['SyncerBacklight'], reply: ((r: unknown) => e.replies.push(r)) as never });
    expect(e.replies.at(-1)).toEqual({ error: 'VALIDATION_FAILED' });
    expect(e.wire).toEqual([]);
  });

  it('a sync result that comes back to an actor reset meanwhile writes nothing and says so', () => {
    const m = emlite();
    m.tell({ type: 'sync', syncers: ['SyncerReads'] });
    const run = m.wire[0]!;
    m.state = { ...m.state, sync: null };
    const fx = m.tell({ type: 'syncFinished', runId: (run as { runId: string }).runId, req: {}, run: { kind: 'skipped', syncers: [], details: 'x' } });
    expect(kinds(fx)).toEqual(['refuse']);
  });
});

describe('rehydration (pure)', () => {
  it('an interrupted PROCESSING interaction finishes through the TIMEOUT path unless its call is still pending here', async () => {
    const { load } = await import('../../../actors/meter/decide/Load');
    const row = { id: 'x1', meterId: 'm1', type: 'TURN_OFF', status: 'PROCESSING' } as InteractionRow;
    const gone = load('m1', { ctx: context(), open: [row], pendingOutbox: [{ id: 1, interactionId: 'y', meterId: 'm1', step: 'emitEvent', payload: {}, attempts: 0 }] }, () => false);
    expect(kinds(gone.effects)).toEqual(['runOutbox', 'tellSelf']);
    expect(gone.state.inFlight).toBe('x1');
    const alive = load('m1', { ctx: context(), open: [row], pendingOutbox: [] }, () => true);
    expect(alive.effects).toEqual([]);
    expect(() => load('m9', { ctx: undefined, open: [], pendingOutbox: [] }, () => false)).toThrow(/not found/);
  });
});

describe('accept-then-final: two durable writes on the hot path (pure)', () => {
  it('accepted and sent in one turn: one insert, already PROCESSING with its deadline; the caller still hears QUEUED after it', async () => {
    const { fuseAcceptAndSend } = await import('../../../actors/meter/effects');
    const m = new MeterModel();
    const fx = fuseAcceptAndSend(m.create('TURN_OFF'));
    expect(kinds(fx)).toEqual(['insert', 'count', 'reply', 'publishInteraction', 'count', 'publishInteraction', 'send']);
    expect(fx[0]).toMatchObject({ row: { id: 'i1', status: 'PROCESSING', queued: true, deadlineAt: new Date(NOW + 120_000).toISOString() } });
    expect(m.replies[0]).toMatchObject({ status: 'QUEUED' });
    const queuedBehind = fuseAcceptAndSend(m.create('READ_CREDIT'));
    expect(queuedBehind[0]).toMatchObject({ row: { status: 'QUEUED' } });
    expect(kinds(fuseAcceptAndSend(m.answer({ ok: true })))).toContain('transition');
  });
});
