import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalinTokenService, CalinV1Driver, CalinV2Driver, CalinV2Session, CalinV2TokenService } from '../../../adapters/meters/calin';
import { parseV1Data } from '../../../adapters/meters/calin/v1Protocol';
import { parseV2Row, type V2TaskRow } from '../../../adapters/meters/calin/v2Protocol';
import type { DriverCommand } from '../../../adapters/meters/types';
import type { InteractionResult, InteractionType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { getAt, mutationOf, storableProblems, withExtraKeys } from '../fuzzJson';

/**
 * Property-based attack on the Calin API answer decoding (issue 14 item 3), through the real drivers with a
 * stub `fetch`. Valid answers are built by hand after the source's shapes (nxtgrid/nxt-device-messaging
 * src/plugins/calin-api-v1/incoming.ts and lib/repo.ts: `{ResultCode, Reason, Result: {TaskNo, Status, DataItem,
 * Data}}`; calin-api-v2/incoming.ts: `{code, reason, result: {data: [{name, status, data}]}}`), then mutated.
 * Whatever Calin answers, a command ends with a result that can be stored, or a GridtwinError.
 */
const RUNS = { numRuns: 250, seed: 1407 } as const;
const METER = '47001891341';

/** A fetch answering JSON by path; `answer` may return a non-object (the driver must refuse it typed). */
function stubFetch(answer: (path: string) => unknown): typeof fetch {
  return async (input) => new Response(JSON.stringify(answer(new URL(String(input)).pathname)) ?? 'null', { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Polls end after a few looks: a task that never finishes is the driver's TIMEOUT, without waiting for it. */
function boundedSleep(looks = 3) {
  let n = 0;
  return async () => {
    if (++n > looks) throw new GridtwinError(ErrorCode.TIMEOUT, 'test: the task did not finish within the looks allowed');
  };
}

const cmd = (type: InteractionType, params: DriverCommand['params'] = {}): DriverCommand => ({
  interactionId: `i-${Math.random()}`, type, params, deadlineAt: Date.now() + 60_000, meter: { id: 'm1', serial: METER, protocol: 'CALIN_V1' },
});

async function outcome(run: () => Promise<{ result: InteractionResult }>): Promise<InteractionResult | GridtwinError> {
  try {
    return (await run()).result;
  } catch (e) {
    if (!(e instanceof GridtwinError)) throw new Error(`untyped ${String(e)}`, { cause: e });
    return e;
  }
}

const expectStorableOrTyped = (got: InteractionResult | GridtwinError) => {
  if (!(got instanceof GridtwinError)) expect(storableProblems(got as Record<string, unknown>)).toEqual([]);
};

// ---- v1 ----

/** Each v1 task, its finished poll's DataItem and Data in the source's form ("12.34,ON", "229.5 V", "26-12-02 03"), and what it decodes to. */
const V1_CASES: Array<{ type: InteractionType; params?: DriverCommand['params']; dataItem: string; data: string; result: InteractionResult }> = [
  { type: 'READ_CREDIT', dataItem: 'Current Credit Register', data: '12.34,ON', result: { kwhCredit: 12.34, isOn: true } },
  { type: 'READ_VOLTAGE', dataItem: 'Voltage', data: '229.5 V', result: { voltageV: 229.5 } },
  { type: 'READ_CURRENT', params: { phase: 'B' }, dataItem: 'CurrentB', data: '1.25 A', result: { currentA: 1.25 } },
  { type: 'READ_POWER', dataItem: 'Power', data: '640 W', result: { powerW: 640 } },
  { type: 'READ_POWER_LIMIT', dataItem: 'Maximum power threshold', data: '1500', result: { powerLimitW: 1500 } },
  { type: 'READ_VERSION', dataItem: 'Version', data: 'V2.13', result: { version: 'V2.13' } },
  { type: 'READ_DATE', dataItem: 'Date', data: '26-12-02 03', result: { date: '2026-12-02' } },
  { type: 'TURN_OFF', dataItem: 'Switch Off', data: '', result: { isOn: false } },
  { type: 'TOP_UP', params: { token: '12345678901234567890', kwh: 5 }, dataItem: 'Token', data: '', result: { tokenAccepted: true } },
];

const v1Create = { ResultCode: '00', Reason: 'OK', Result: { TaskNo: 'T-981' } };
const v1Poll = (c: (typeof V1_CASES)[number]) => ({ ResultCode: '00', Reason: 'OK', Result: { TaskNo: 'T-981', Status: 'True', DataItem: c.dataItem, Data: c.data } });

function runV1(c: (typeof V1_CASES)[number], create: unknown, poll: unknown) {
  const driver = new CalinV1Driver({
    baseUrl: 'http://calin.invalid', company: 'acme', user: 'admin', password: 'secret', pollDelayMs: () => 0,
    retry: { maxAttempts: 1, initialBackoffMs: 1, timeoutMs: 1_000 }, sleep: boundedSleep(),
    fetch: stubFetch((path) => (path.endsWith('Task') ? poll : create)),
  });
  return outcome(() => driver.execute(cmd(c.type, c.params)));
}

describe('Calin v1 answers under arbitrary input', () => {
  const caseArb = fc.constantFrom(...V1_CASES);

  it('the valid answers decode to the source\'s values (the base the mutations start from)', async () => {
    for (const c of V1_CASES) expect(await runV1(c, v1Create, v1Poll(c))).toEqual(c.result);
  });

  it('the create answer mutated (a field dropped, nulled, of another type, huge, NaN-like, nested, or any JSON): a storable result or a GridtwinError', async () => {
    await fc.assert(fc.asyncProperty(caseArb, mutationOf(v1Create), async (c, m) => {
      expectStorableOrTyped(await runV1(c, m.answer, v1Poll(c)));
    }), RUNS);
  });

  it('the poll answer mutated: a storable result or a GridtwinError', async () => {
    await fc.assert(fc.asyncProperty(caseArb.chain((c) => fc.tuple(fc.constant(c), mutationOf(v1Poll(c)))), async ([c, m]) => {
      expectStorableOrTyped(await runV1(c, v1Create, m.answer));
    }), RUNS);
  });

  it('unknown extra keys at any level never change the result', async () => {
    await fc.assert(fc.asyncProperty(caseArb.chain((c) => fc.tuple(fc.constant(c), withExtraKeys(v1Create), withExtraKeys(v1Poll(c)))), async ([c, create, poll]) => {
      expect(await runV1(c, create, poll)).toEqual(c.result);
    }), RUNS);
  });

  it('fields the poll does not need (Reason, Result.TaskNo, Result.DataItem) may be absent or null: same result', async () => {
    const optional = [['Reason'], ['Result', 'TaskNo'], ['Result', 'DataItem']];
    await fc.assert(fc.asyncProperty(caseArb, fc.subarray(optional, { minLength: 1 }), fc.boolean(), async (c, drop, asNull) => {
      const poll = structuredClone(v1Poll(c)) as Record<string, unknown>;
      for (const path of drop) {
        const parent = (path.length === 1 ? poll : poll.Result) as Record<string, unknown>;
        if (asNull) parent[path[path.length - 1]!] = null;
        else delete parent[path[path.length - 1]!];
      }
      expect(await runV1(c, v1Create, poll)).toEqual(c.result);
    }), RUNS);
  });

  it('a Data that is not text (a number, an object) is refused naming Result.Data, or read when a number (regression: TypeError data.split)', async () => {
    const credit = V1_CASES[0]!;
    const number = await runV1(credit, v1Create, { ...v1Poll(credit), Result: { ...v1Poll(credit).Result, Data: 7.5 } });
    expect(number).toEqual({ kwhCredit: 7.5, isOn: false });
    for (const Data of [{}, [1], true]) {
      const got = await runV1(credit, v1Create, { ...v1Poll(credit), Result: { ...v1Poll(credit).Result, Data } });
      expect(got).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining('Result.Data') });
    }
  });

  it('a read Data the value cannot come from is refused naming Result.Data', async () => {
    const reads = V1_CASES.filter((c) => c.type.startsWith('READ_'));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...reads), fc.constantFrom('', ' ', 'NaN', 'Infinity V', '1e400', 'abc', ',ON'), async (c, data) => {
      fc.pre(c.type !== 'READ_VERSION' || data.trim() === '');
      const got = await runV1(c, v1Create, { ...v1Poll(c), Result: { ...v1Poll(c).Result, Data: data } });
      if (c.type === 'READ_DATE' && data.trim() === '') return; // an empty Date is a finished write (the source's incoming.ts)
      expect(got).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining('Result.Data') });
    }), RUNS);
  });

  it('parseV1Data: any Data for any item gives a storable result or names the problem', () => {
    const items = ['Current Credit Register', 'Voltage', 'VoltageC', 'Current', 'Power', 'Maximum power threshold', 'Version', 'Date', 'Switch On', 'Token', 'Unknown'];
    const data = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^\d{2}-\d{2}-\d{2}( \d{2})?$/), fc.stringMatching(/^-?\d{1,6}(\.\d{1,3})?(,(ON|OFF|on))?( [VAW])?$/));
    fc.assert(fc.property(fc.constantFrom(...items), data, (item, d) => {
      const r = parseV1Data(item, d);
      if (typeof r !== 'string') expect(storableProblems(r as Record<string, unknown>), `${item} ${JSON.stringify(d)}`).toEqual([]);
    }), { ...RUNS, numRuns: 500 });
  });

  it('a Data with no number before its comma or unit (",ON", " V") is refused, not read as 0 (regression)', () => {
    expect(typeof parseV1Data('Current', ',ON')).toBe('string');
    expect(typeof parseV1Data('Voltage', ' V')).toBe('string');
    expect(typeof parseV1Data('Current Credit Register', ',ON')).toBe('string');
  });

  it('a date read of a day that does not exist ("26-13-45 02") is refused, not stored as 2026-13-45 (regression)', () => {
    expect(typeof parseV1Data('Date', '26-13-45 02')).toBe('string');
    expect(typeof parseV1Data('Date', '26-02-30 01')).toBe('string');
    expect(parseV1Data('Date', '24-02-29 04')).toEqual({ date: '2024-02-29' });
  });
});

// ---- v2 ----

const jwt = (() => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;
})();

const V2_CASES: Array<{ type: InteractionType; params?: DriverCommand['params']; name: string; data: number | string; result: InteractionResult }> = [
  { type: 'READ_CREDIT', name: 'Current Credit Balance', data: 12.5, result: { kwhCredit: 12.5 } },
  { type: 'READ_VOLTAGE', name: 'Phase-A Voltage', data: '230.1', result: { voltageV: 230.1 } },
  { type: 'READ_CURRENT', name: 'Phase-A Current(A)', data: 1.5, result: { currentA: 1.5 } },
  { type: 'READ_POWER', name: 'Power', data: '640', result: { powerW: 640 } },
  { type: 'READ_POWER_LIMIT', name: 'Maximum power threshold', data: 2000, result: { powerLimitW: 2000 } },
  { type: 'READ_VERSION', name: 'Meter Firmware Version', data: 'F1.07', result: { version: 'F1.07' } },
  { type: 'READ_DATE', name: 'Clock(time)', data: '2026-12-02 10:11:12', result: { date: '2026-12-02' } },
  { type: 'TURN_ON', name: 'Relay On/Off', data: 'Connected', result: { isOn: true } },
  { type: 'TOP_UP', params: { token: '12345678901234567890', kwh: 5 }, name: 'Token', data: '', result: { tokenAccepted: true } },
];
const v2Login = { code: 0, reason: 'success', result: { token: jwt } };
const v2Create = { code: 0, reason: 'success', result: [{ id: 4711 }] };
const v2Poll = (c: (typeof V2_CASES)[number]) => ({ code: 0, reason: 'success', result: { data: [{ name: c.name, status: 1, data: c.data }] } });

function runV2(c: (typeof V2_CASES)[number], answers: { login?: unknown; create?: unknown; poll: unknown }) {
  const sleep = boundedSleep();
  const session = new CalinV2Session({
    baseUrl: 'http://calin.invalid', company: 'acme', user: 'admin', password: 'secret', retry: { maxAttempts: 1, initialBackoffMs: 1, timeoutMs: 1_000 }, sleep,
    fetch: stubFetch((path) => (path.endsWith('/Login') ? answers.login ?? v2Login : path.includes('/Create') ? answers.create ?? v2Create : answers.poll)),
  });
  const driver = new CalinV2Driver({ session, customerId: 'cust-1', pollDelayMs: () => 0, sleep });
  return outcome(() => driver.execute(cmd(c.type, c.params)));
}

describe('Calin v2 answers under arbitrary input', () => {
  const caseArb = fc.constantFrom(...V2_CASES);

  it('the valid answers decode to the source\'s values (the base the mutations start from)', async () => {
    for (const c of V2_CASES) expect(await runV2(c, { poll: v2Poll(c) })).toEqual(c.result);
  });

  it('any one mutation of the login, create or poll answer: a storable result or a GridtwinError', async () => {
    const which = fc.constantFrom('login', 'create', 'poll');
    await fc.assert(fc.asyncProperty(caseArb.chain((c) => which.chain((w) => fc.tuple(fc.constant(c), fc.constant(w), mutationOf(w === 'login' ? v2Login : w === 'create' ? v2Create : v2Poll(c))))), async ([c, w, m]) => {
      expectStorableOrTyped(await runV2(c, { poll: v2Poll(c), [w]: m.answer }));
    }), RUNS);
  });

  it('unknown extra keys at any level never change the result', async () => {
    await fc.assert(fc.asyncProperty(caseArb.chain((c) => fc.tuple(fc.constant(c), withExtraKeys(v2Login), withExtraKeys(v2Create), withExtraKeys(v2Poll(c)))), async ([c, login, create, poll]) => {
      expect(await runV2(c, { login, create, poll })).toEqual(c.result);
    }), RUNS);
  });

  it('fields the driver does not need (reason, code of a success, the row\'s pn) may be absent: same result', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.subarray(['reason', 'code'], { minLength: 1 }), async (c, drop) => {
      const poll = structuredClone(v2Poll(c)) as Record<string, unknown>;
      for (const k of drop) delete poll[k];
      expect(await runV2(c, { poll })).toEqual(c.result);
    }), RUNS);
  });

  it('a row value of the wrong kind (null, object, array) is refused naming data, never stored as "null" or "[object Object]" (regression)', async () => {
    await fc.assert(fc.asyncProperty(caseArb.filter((c) => c.type.startsWith('READ_')), fc.constantFrom(null, {}, [5], [], true), async (c, data) => {
      const got = await runV2(c, { poll: { ...v2Poll(c), result: { data: [{ name: c.name, status: 1, data }] } } });
      expect(got).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining('data') });
    }), RUNS);
  });

  it('a task id that is not a number or text is refused, not polled as NaN (regression)', async () => {
    for (const id of [{}, [1], true, 'abc']) {
      const got = await runV2(V2_CASES[0]!, { create: { ...v2Create, result: [{ id }] }, poll: v2Poll(V2_CASES[0]!) });
      expect(got).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining('result[0].id') });
    }
  });

  it('parseV2Row: any row gives a storable result or names the problem', () => {
    const names = V2_CASES.map((c) => c.name).concat(['Unknown']);
    const row = fc.record({ name: fc.constantFrom(...names), status: fc.constant(1), data: fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.stringMatching(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/)) });
    fc.assert(fc.property(row, fc.constantFrom('READ', 'WRITE', 'CONTROL', 'TOKEN') as fc.Arbitrary<'READ'>, (r, kind) => {
      const got = parseV2Row(r as V2TaskRow, kind);
      if (typeof got !== 'string') expect(storableProblems(got as Record<string, unknown>), JSON.stringify(r)).toEqual([]);
    }), { ...RUNS, numRuns: 500 });
  });

  it('a clock read of a day that does not exist ("2026-02-30 00:00:00") is refused (regression)', () => {
    expect(typeof parseV2Row({ name: 'Clock(time)', status: 1, data: '2026-02-30 00:00:00' }, 'READ')).toBe('string');
    expect(getAt(parseV2Row({ name: 'Clock(time)', status: 1, data: '2028-02-29 00:00:00' }, 'READ'), ['date'])).toBe('2028-02-29');
  });
});

// ---- token issuers ----

/** POS_Purchase answers `result.token` (origin calin-api-v1/token.ts) or `result` itself (MPM); maintenance calls answer `result`. */
const TOKEN = '1234 5678 9012 3456 7890';
const V1_TOKEN_ANSWERS = {
  TOP_UP: { result_code: 0, reason: 'OK', result: { token: TOKEN } },
  CLEAR_CREDIT: { result_code: 0, reason: 'OK', result: TOKEN },
} as const;
const V2_TOKEN_ANSWER = { code: 0, reason: 'success', result: { token: TOKEN } };
const tokenReq = (type: 'TOP_UP' | 'CLEAR_CREDIT') => ({ type, meterSerial: METER, kwh: type === 'TOP_UP' ? 5 : undefined, idempotencyKey: `k-${Math.random()}` });

async function issued(run: () => Promise<{ token: string }>): Promise<string | GridtwinError> {
  try {
    return (await run()).token;
  } catch (e) {
    if (!(e instanceof GridtwinError)) throw new Error(`untyped ${String(e)}`, { cause: e });
    return e;
  }
}

describe('Calin token answers under arbitrary input', () => {
  const v1 = (answer: unknown) => new CalinTokenService({
    baseUrl: 'http://calin.invalid', company: 'acme', user: 'pos', password: 'secret', retry: { maxAttempts: 1, initialBackoffMs: 1, timeoutMs: 1_000 },
    sleep: boundedSleep(), fetch: stubFetch(() => answer),
  });
  const v2 = (answer: unknown) => {
    const session = new CalinV2Session({
      baseUrl: 'http://calin.invalid', company: 'acme', user: 'admin', password: 'secret', retry: { maxAttempts: 1, initialBackoffMs: 1, timeoutMs: 1_000 },
      sleep: boundedSleep(), fetch: stubFetch((path) => (path.endsWith('/Login') ? v2Login : answer)),
    });
    return new CalinV2TokenService({ session, posPassword: 'pos-secret' });
  };
  const twentyDigits = (got: string | GridtwinError) => { if (!(got instanceof GridtwinError)) expect(got).toMatch(/^\d{20}$/); };

  it('the valid answers give the token without its spaces', async () => {
    for (const type of ['TOP_UP', 'CLEAR_CREDIT'] as const) expect(await issued(() => v1(V1_TOKEN_ANSWERS[type]).generate(tokenReq(type)))).toBe(TOKEN.replace(/ /g, ''));
    expect(await issued(() => v2(V2_TOKEN_ANSWER).generate(tokenReq('TOP_UP')))).toBe(TOKEN.replace(/ /g, ''));
  });

  it('v1: one mutation of the answer gives 20 digits or a GridtwinError; extra keys change nothing', async () => {
    const type = fc.constantFrom('TOP_UP', 'CLEAR_CREDIT') as fc.Arbitrary<'TOP_UP' | 'CLEAR_CREDIT'>;
    await fc.assert(fc.asyncProperty(type.chain((t) => fc.tuple(fc.constant(t), mutationOf(V1_TOKEN_ANSWERS[t]), withExtraKeys(V1_TOKEN_ANSWERS[t]))), async ([t, m, extra]) => {
      twentyDigits(await issued(() => v1(m.answer).generate(tokenReq(t))));
      expect(await issued(() => v1(extra).generate(tokenReq(t)))).toBe(TOKEN.replace(/ /g, ''));
    }), RUNS);
  });

  it('v2: one mutation of the answer gives 20 digits or a GridtwinError; extra keys change nothing', async () => {
    await fc.assert(fc.asyncProperty(mutationOf(V2_TOKEN_ANSWER), withExtraKeys(V2_TOKEN_ANSWER), async (m, extra) => {
      twentyDigits(await issued(() => v2(m.answer).generate(tokenReq('TOP_UP'))));
      expect(await issued(() => v2(extra).generate(tokenReq('TOP_UP')))).toBe(TOKEN.replace(/ /g, ''));
    }), RUNS);
  });
});
