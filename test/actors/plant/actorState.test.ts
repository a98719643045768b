import { describe, expect, it } from 'vitest';
import { plantBehaviour } from '../../../actors/plant/PlantActor';
import type { PollEnv } from '../../../actors/plant/poll/runPoll';
import { initialPlantState, type PlantState } from '../../../actors/plant/state';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { Reply } from '../../../core/reply';

/** A database that is down: every statement refuses as the pool does during an outage. */
const down = () => Promise.reject(new GridtwinError(ErrorCode.UNAVAILABLE, 'database unavailable'));
const env = { db: { sql: { one: down, all: down, run: down } } } as unknown as PollEnv;

describe('PlantActor keeps the poll it has out', () => {
  it('a read failing while a poll is out is answered UNAVAILABLE and the lock stays (no crash, so no second poll)', async () => {
    const b = plantBehaviour(env)('p1');
    expect(b.holdsWork?.(initialPlantState('p1'))).toBe(false);
    const polling: PlantState = { ...initialPlantState('p1'), running: { pollId: 'poll-1', trigger: 'SCHEDULE', startedAt: 0, waiters: [] } };
    expect(b.holdsWork?.(polling)).toBe(true);
    const replies: Reply<unknown>[] = [];
    const after = await b.handle(polling, { type: 'get', reply: (r) => replies.push(r) }, () => undefined);
    expect(after).toBe(polling);
    expect(replies).toEqual([{ error: expect.objectContaining({ code: 'UNAVAILABLE' }) }]);
  });
});
