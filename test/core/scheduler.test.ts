import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger';
import { SOLE, Scheduler, type JobContext, type Placement, type SchedulerClock } from '../../core/scheduler';

/** A clock whose time moves only when the test says; due timers fire in time order, promises settle between them. */
function fakeClock(start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const clock: SchedulerClock & { advance(ms: number): Promise<void>; pending(): number; readonly t: number } = {
    now: () => now,
    setTimer: (fn, ms) => {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (h) => void timers.delete(h as number),
    async advance(ms: number) {
      const until = now + ms;
      await settle();
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
        await settle();
      }
      now = until;
    },
    pending: () => timers.size,
    get t() {
      return now;
    },
  };
  return clock;
}

/** A round the test finishes by hand. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => { open = r; });
  return { p, open };
}

const MIN = 60_000;

describe('Scheduler', () => {
  it('an interval job runs every period, counted from the end of its previous round', async () => {
    const clock = fakeClock();
    const s = new Scheduler({ logger: silentLogger, clock });
    const starts: number[] = [];
    let g = gate();
    s.add({ name: 'tick', everyMs: 1_000, run: async () => { starts.push(clock.t); await g.p; } });
    s.start();
    await clock.advance(1_000);
    expect(starts).toEqual([clock.t]);
    const first = clock.t;
    // the round takes 2.5 s: nothing starts meanwhile, the next starts 1 s after it ends
    await clock.advance(2_500);
    expect(starts).toHaveLength(1);
    g.open();
    g = gate();
    await clock.advance(999);
    expect(starts).toHaveLength(1);
    await clock.advance(1);
    expect(starts).toEqual([first, first + 2_500 + 1_000]);
    g.open();
    await s.stop();
  });

  it('a cron job fires on its pattern in UTC and skips a fire while its round still runs', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1, 10, 0, 30));
    const s = new Scheduler({ logger: silentLogger, clock });
    const starts: string[] = [];
    let g = gate();
    s.add({ name: 'poll', cron: '*/15 * * * *', run: async () => { starts.push(new Date(clock.t).toISOString()); await g.p; } });
    s.start();
    await clock.advance(15 * MIN);
    expect(starts).toEqual(['2026-01-01T10:15:00.000Z']);
    // still running at 10:30: that fire is skipped, the 10:45 one runs
    await clock.advance(15 * MIN);
    expect(starts).toHaveLength(1);
    expect(s.stats('poll')).toEqual({ runs: 1, skipped: 1, running: true });
    g.open();
    g = gate();
    await clock.advance(15 * MIN);
    expect(starts).toEqual(['2026-01-01T10:15:00.000Z', '2026-01-01T10:45:00.000Z']);
    g.open();
    await s.stop();
  });

  it('runAtStart runs one round at once, then on schedule', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1, 10, 7, 0));
    const s = new Scheduler({ logger: silentLogger, clock });
    const at: number[] = [];
    s.add({ name: 'poll', cron: '0 * * * *', runAtStart: true, run: (ctx) => void at.push(ctx.at) });
    s.start();
    await clock.advance(0);
    expect(at).toEqual([Date.UTC(2026, 0, 1, 10, 7, 0)]);
    await clock.advance(53 * MIN);
    expect(at).toEqual([Date.UTC(2026, 0, 1, 10, 7, 0), Date.UTC(2026, 0, 1, 11, 0, 0)]);
    await s.stop();
  });

  it('a once job runs one round at start and never again', async () => {
    const clock = fakeClock();
    const s = new Scheduler({ logger: silentLogger, clock });
    let n = 0;
    s.add({ name: 'boot', once: true, run: () => void n++ });
    s.start();
    await clock.advance(24 * 60 * MIN);
    expect(n).toBe(1);
    expect(clock.pending()).toBe(0);
    await s.stop();
  });

  it('a failed round is logged and the next one runs', async () => {
    const clock = fakeClock();
    const s = new Scheduler({ logger: silentLogger, clock });
    let n = 0;
    s.add({ name: 'flaky', everyMs: 100, run: async () => { n++; if (n === 1) throw new Error('database away'); } });
    s.start();
    await clock.advance(300);
    expect(n).toBe(3);
    await s.stop();
  });

  it('owned jobs see the placement; cluster jobs run only on the node that leads', async () => {
    const clock = fakeClock();
    let leading = false;
    const placement: Placement = { owns: (id) => id.startsWith('a'), leads: () => leading, partitions: () => ({ count: 4, owned: [1, 3] }) };
    const s = new Scheduler({ logger: silentLogger, clock });
    const seen: Array<{ job: string; ids: string[]; partitions: JobContext['partitions'] }> = [];
    const ids = ['a1', 'b1', 'a2'];
    s.add({ name: 'reconcile', everyMs: 1_000, run: (ctx) => void seen.push({ job: 'reconcile', ids: ids.filter(ctx.owns), partitions: ctx.partitions }) });
    s.add({ name: 'status', everyMs: 1_000, scope: 'cluster', run: () => void seen.push({ job: 'status', ids: [], partitions: null }) });
    s.start(placement);
    await clock.advance(1_000);
    expect(seen).toEqual([{ job: 'reconcile', ids: ['a1', 'a2'], partitions: { count: 4, owned: [1, 3] } }]);
    leading = true;
    await clock.advance(1_000);
    expect(seen.map((x) => x.job)).toEqual(['reconcile', 'reconcile', 'status']);
    await s.stop();
  });

  it('runNow joins a running round instead of starting a second one', async () => {
    const clock = fakeClock();
    const s = new Scheduler({ logger: silentLogger, clock });
    let running = 0;
    let most = 0;
    const g = gate();
    s.add({ name: 'sweep', everyMs: 10_000, run: async () => { running++; most = Math.max(most, running); await g.p; running--; } });
    s.start(SOLE);
    const a = s.runNow('sweep');
    const b = s.runNow('sweep');
    g.open();
    await Promise.all([a, b]);
    expect(most).toBe(1);
    expect(s.stats('sweep')!.runs).toBe(1);
    await expect(s.runNow('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await s.stop();
  });

  it('refuses a duplicate name, a bad pattern and a job with neither or both schedules', () => {
    const s = new Scheduler({ logger: silentLogger, clock: fakeClock() });
    s.add({ name: 'x', everyMs: 10, run: () => undefined });
    expect(() => s.add({ name: 'x', everyMs: 10, run: () => undefined })).toThrow(/registered already/);
    expect(() => s.add({ name: 'y', cron: 'not a pattern', run: () => undefined })).toThrow(/invalid cron/);
    expect(() => s.add({ name: 'z', run: () => undefined })).toThrow(/exactly one/);
    expect(() => s.add({ name: 'w', everyMs: 10, cron: '* * * * *', run: () => undefined })).toThrow(/exactly one/);
    expect(() => s.add({ name: 'v', everyMs: 0, run: () => undefined })).toThrow(/positive/);
    expect(() => s.add({ name: 'u', once: true, cron: '* * * * *', run: () => undefined })).toThrow(/exactly one/);
  });

  it('stop disarms every job and waits for the round running', async () => {
    const clock = fakeClock();
    const s = new Scheduler({ logger: silentLogger, clock });
    const g = gate();
    let ended = false;
    s.add({ name: 'long', everyMs: 100, run: async () => { await g.p; ended = true; } });
    s.start();
    await clock.advance(100);
    const stopping = s.stop();
    g.open();
    await stopping;
    expect(ended).toBe(true);
    expect(clock.pending()).toBe(0);
    await clock.advance(1_000);
    expect(s.stats('long')!.runs).toBe(1);
  });
});
