import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StatementBatcher } from '../../persistence/batching';

/** A statement runner that records each group and answers when told to. */
function recorder() {
  const groups: number[][] = [];
  const open: Array<() => void> = [];
  const run = (inputs: number[]) => {
    groups.push(inputs);
    return new Promise<number[]>((resolve) => open.push(() => resolve(inputs.map((i) => i * 10))));
  };
  return { groups, run, answerAll: () => open.splice(0).forEach((f) => f()) };
}

/** Answers a test does not wait for (their statements are never answered). */
const held: Promise<unknown>[] = [];

describe('group commit (StatementBatcher)', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] }));
  afterEach(() => vi.useRealTimers());

  it('with nothing in flight, the rows of one turn go as one statement at the end of that turn', async () => {
    const r = recorder();
    const b = new StatementBatcher(r.run, { windowMs: 2, maxRows: 100 });
    const answers = [1, 2, 3].map((i) => b.submit(i));
    expect(r.groups).toEqual([]);
    await vi.advanceTimersToNextTimerAsync();
    expect(r.groups).toEqual([[1, 2, 3]]);
    r.answerAll();
    expect(await Promise.all(answers)).toEqual([10, 20, 30]);
  });

  it('while a statement is in flight, rows of many turns gather and go together when it returns', async () => {
    const r = recorder();
    const b = new StatementBatcher(r.run, { windowMs: 50, maxRows: 100 });
    const first = b.submit(1);
    await vi.advanceTimersToNextTimerAsync();
    const later: Promise<number>[] = [];
    for (const i of [2, 3, 4]) {
      later.push(b.submit(i));
      await vi.advanceTimersByTimeAsync(1); // a new turn each, well inside the window
    }
    expect(r.groups).toEqual([[1]]);
    r.answerAll();
    expect(await first).toBe(10);
    expect(r.groups).toEqual([[1], [2, 3, 4]]);
    r.answerAll();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('the window bounds the wait: rows go after windowMs even if the statement in flight never returns', async () => {
    const r = recorder();
    const b = new StatementBatcher(r.run, { windowMs: 2, maxRows: 100 });
    held.push(b.submit(1));
    await vi.advanceTimersToNextTimerAsync();
    held.push(b.submit(2));
    await vi.advanceTimersByTimeAsync(1);
    expect(r.groups).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.groups).toEqual([[1], [2]]);
  });

  it('a group reaching maxRows goes at once, without waiting for the turn to end', () => {
    const r = recorder();
    const b = new StatementBatcher(r.run, { windowMs: 2, maxRows: 2 });
    for (const i of [1, 2, 3, 4, 5]) held.push(b.submit(i));
    expect(r.groups).toEqual([[1, 2], [3, 4]]);
  });

  it('windowMs 0 closes every group at the end of its turn, in flight or not', async () => {
    const r = recorder();
    const b = new StatementBatcher(r.run, { windowMs: 0, maxRows: 100 });
    held.push(b.submit(1));
    await vi.advanceTimersToNextTimerAsync();
    held.push(b.submit(2));
    await vi.advanceTimersToNextTimerAsync();
    expect(r.groups).toEqual([[1], [2]]);
  });

  it('a group that fails as a whole is retried row by row: each caller gets its own answer or error', async () => {
    const b = new StatementBatcher<number, number>(
      async () => { throw new Error('whole statement refused'); },
      { windowMs: 0, maxRows: 100 },
      async (i) => { if (i === 2) throw new Error(`row ${i} refused`); return i * 10; },
    );
    const answers = [1, 2, 3].map((i) => b.submit(i).then((v) => v, (e: Error) => e.message));
    await vi.advanceTimersToNextTimerAsync();
    expect(await Promise.all(answers)).toEqual([10, 'row 2 refused', 30]);
  });

  it('refuses options that cannot work', () => {
    const run = async (xs: number[]) => xs;
    expect(() => new StatementBatcher(run, { windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new StatementBatcher(run, { maxRows: 0 })).toThrow(/maxRows/);
    expect(() => new StatementBatcher(run, { maxRows: 1.5 })).toThrow(/maxRows/);
  });
});
