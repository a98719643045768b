import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverCommand, DriverMeterRef, MeterDriver, TokenService, UnsolicitedReport } from '../../adapters/meters/types';
import type { InteractionType, Phase } from '../../core/domain';
import { ErrorCode } from '../../core/errors';
import { rejection } from '../helpers/errors';

/**
 * One conformance suite for every MeterDriver, run against each protocol's simulator. A driver passes when
 * every interaction type its protocol supports reaches the meter and comes back with the meter's own values,
 * every type it does not support is refused with a typed error before anything is sent, and the failures a
 * field sees — silence, refusal, a lost answer, a deadline already gone — come back as the typed errors the
 * actors act on, with the meter left exactly as the error says.
 *
 * Exported so another protocol (Emlite) plugs in with its own world. The fault tests send the target's
 * `fault` command (default: switch the relay off), so a protocol without controls brings a command it carries.
 */
export interface MeterState { kwhCredit: number; isOn: boolean; powerLimitW: number; tamper?: boolean; date?: string; time?: string }

export interface MeterDriverWorld {
  driver: MeterDriver;
  /** Issues tokens this protocol's meters accept. */
  tokens: TokenService;
  /** A fresh meter with this starting state. */
  meter(n: number, start: Pick<MeterState, 'kwhCredit' | 'isOn' | 'powerLimitW'>): Promise<DriverMeterRef>;
  /** The meter's truth, read beside the driver (from the simulator). */
  state(meter: DriverMeterRef): Promise<MeterState & { version: string; voltageV: Record<Phase, number>; currentA: Record<Phase, number> }>;
  faults: {
    /** Commands reach nothing: no answer, not applied. */
    unreachable(meter: DriverMeterRef): Promise<void> | void;
    /** The meter answers no: not applied. */
    refuse(meter: DriverMeterRef): Promise<void> | void;
    /** The next command is applied but its answer is lost. */
    loseAnswer(meter: DriverMeterRef): Promise<void> | void;
  };
  /** The meter sends a periodic report; undefined when the protocol has none. */
  report?(meter: DriverMeterRef): Promise<void>;
  /** What an unsolicited report names the meter by. */
  reportRef?(meter: DriverMeterRef): string;
  close(): Promise<void>;
}

/** A command whose effect on the meter the fault tests can see: applied or not. */
export interface FaultCommand {
  command(meter: DriverMeterRef): Promise<Pick<DriverCommand, 'type' | 'params'>> | Pick<DriverCommand, 'type' | 'params'>;
  /** The command's effect shows in the meter's state. */
  applied(state: MeterState): boolean;
  /** The error a meter's refusal comes back as; default DEVICE_REJECTED. */
  refusedAs?: ErrorCode;
}

const TURN_OFF_FAULT: FaultCommand = { command: () => ({ type: 'TURN_OFF', params: {} }), applied: (s) => !s.isOn };

export interface MeterDriverTarget {
  name: string;
  /** Every type this protocol carries (phase reads: the phases it carries). */
  supported: InteractionType[];
  phases: Phase[];
  /** Types refused with VALIDATION_FAILED `unsupported`, never sent. */
  unsupported: Array<{ type: InteractionType; phase?: Phase }>;
  /** READ_CREDIT carries the relay state. */
  creditHasRelay: boolean;
  /** Deadline for commands that should succeed, and for commands that should time out. */
  deadlineMs: number;
  shortDeadlineMs: number;
  /** What the fault tests send; default TURN_OFF (applied = the relay is off). */
  fault?: FaultCommand;
  start(): Promise<MeterDriverWorld>;
}

const START = { kwhCredit: 7.25, isOn: true, powerLimitW: 2000 };

async function until(cond: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

export function meterDriverConformance(t: MeterDriverTarget): void {
  describe(`MeterDriver conformance: ${t.name}`, () => {
    let w: MeterDriverWorld;
    let n = 0;
    const fresh = (start = START) => w.meter(++n, start);
    const cmd = (meter: DriverMeterRef, type: InteractionType, params: DriverCommand['params'] = {}, deadlineMs = t.deadlineMs): DriverCommand =>
      ({ interactionId: `${t.name}-${n}-${type}-${Math.random().toString(36).slice(2, 8)}`, type, params, meter, deadlineAt: Date.now() + deadlineMs });
    const has = (type: InteractionType) => t.supported.includes(type);
    const fault = t.fault ?? TURN_OFF_FAULT;
    const faultCmd = async (meter: DriverMeterRef, deadlineMs = t.deadlineMs): Promise<DriverCommand> => {
      const { type, params } = await fault.command(meter);
      return cmd(meter, type, params, deadlineMs);
    };
    const applied = async (meter: DriverMeterRef) => fault.applied(await w.state(meter));
    const token = async (meter: DriverMeterRef, type: 'TOP_UP' | 'CLEAR_CREDIT' | 'CLEAR_TAMPER' | 'SET_POWER_LIMIT', v: { kwh?: number; powerLimitW?: number } = {}) =>
      (await w.tokens.generate({ type, meterSerial: meter.serial, ...v, idempotencyKey: `${t.name}-tok-${n}-${type}-${Math.random()}` })).token;

    beforeAll(async () => { w = await t.start(); });
    afterAll(async () => { await w?.close(); });

    it('reads: credit, power limit, version, date, time, per-phase voltage / current / power give the meter\'s own values', async () => {
      const m = await fresh();
      const s = await w.state(m);
      if (has('READ_CREDIT')) {
        const r = (await w.driver.execute(cmd(m, 'READ_CREDIT'))).result;
        expect(r.kwhCredit).toBeCloseTo(s.kwhCredit, 2);
        if (t.creditHasRelay) expect(r.isOn).toBe(true);
        else expect(r.isOn).toBeUndefined();
      }
      if (has('READ_POWER_LIMIT')) expect((await w.driver.execute(cmd(m, 'READ_POWER_LIMIT'))).result).toEqual({ powerLimitW: 2000 });
      if (has('READ_VERSION')) expect((await w.driver.execute(cmd(m, 'READ_VERSION'))).result).toEqual({ version: s.version });
      if (has('READ_DATE')) {
        const today = new Date().toISOString().slice(0, 10);
        const { date } = (await w.driver.execute(cmd(m, 'READ_DATE'))).result;
        expect([today, new Date(Date.now() - 60_000).toISOString().slice(0, 10)]).toContain(date);
      }
      if (has('READ_TIME')) expect((await w.driver.execute(cmd(m, 'READ_TIME'))).result.time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
      for (const phase of t.phases) {
        if (has('READ_VOLTAGE')) expect((await w.driver.execute(cmd(m, 'READ_VOLTAGE', { phase }))).result.voltageV).toBeCloseTo(s.voltageV[phase], 1);
        if (has('READ_CURRENT')) expect((await w.driver.execute(cmd(m, 'READ_CURRENT', { phase }))).result.currentA).toBeCloseTo(s.currentA[phase], 2);
      }
      if (has('READ_POWER')) {
        const total = (['A', 'B', 'C'] as const).reduce((sum, p) => sum + s.voltageV[p] * s.currentA[p], 0);
        expect((await w.driver.execute(cmd(m, 'READ_POWER'))).result.powerW).toBeCloseTo(total, 0);
      }
    });

    it('controls: TURN_OFF then TURN_ON switch the relay and say so', async () => {
      if (!has('TURN_OFF') || !has('TURN_ON')) return;
      const m = await fresh();
      expect((await w.driver.execute(cmd(m, 'TURN_OFF'))).result.isOn).toBe(false);
      expect((await w.state(m)).isOn).toBe(false);
      expect((await w.driver.execute(cmd(m, 'TURN_ON'))).result.isOn).toBe(true);
      expect((await w.state(m)).isOn).toBe(true);
    });

    it('writes: SET_DATE (and SET_TIME where carried) set the meter\'s clock', async () => {
      const m = await fresh();
      if (has('SET_DATE')) {
        expect((await w.driver.execute(cmd(m, 'SET_DATE', { date: '2027-03-04' }))).result.date).toBe('2027-03-04');
        expect((await w.state(m)).date).toBe('2027-03-04');
        // refused before sending (VALIDATION_FAILED) or by the meter (DEVICE_REJECTED); never a rolled-over date
        expect([ErrorCode.VALIDATION_FAILED, ErrorCode.DEVICE_REJECTED]).toContain((await rejection(w.driver.execute(cmd(m, 'SET_DATE', { date: '2027-02-30' })))).code);
        expect((await w.state(m)).date).toBe('2027-03-04');
      }
      if (has('SET_TIME')) {
        expect((await w.driver.execute(cmd(m, 'SET_TIME', { time: '12:34:56' }))).result.time).toBe('12:34:56');
        expect((await w.state(m)).time?.slice(0, 5)).toBe('12:34');
      }
    });

    it('tokens: top-up, power limit, clear credit, clear tamper and a pre-existing token each apply once; a reused token is refused', async () => {
      const tokenTypes = ['TOP_UP', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN', 'CLEAR_CREDIT', 'CLEAR_TAMPER'] as const;
      // a protocol with other token semantics (Emlite: money, no maintenance tokens) brings its own token tests
      if (!tokenTypes.every(has)) return;
      const m = await fresh();
      const topUp = await token(m, 'TOP_UP', { kwh: 2.5 });
      expect((await w.driver.execute(cmd(m, 'TOP_UP', { token: topUp, kwh: 2.5 }))).result.tokenAccepted).toBe(true);
      expect((await w.state(m)).kwhCredit).toBeCloseTo(9.75, 3);
      expect(await rejection(w.driver.execute(cmd(m, 'TOP_UP', { token: topUp, kwh: 2.5 })))).toMatchObject({ code: ErrorCode.DEVICE_REJECTED });
      expect((await w.state(m)).kwhCredit).toBeCloseTo(9.75, 3);
      const limit = await token(m, 'SET_POWER_LIMIT', { powerLimitW: 1500 });
      const set = (await w.driver.execute(cmd(m, 'SET_POWER_LIMIT', { token: limit, powerLimitW: 1500 }))).result;
      expect(set).toMatchObject({ tokenAccepted: true, powerLimitW: 1500 });
      expect((await w.state(m)).powerLimitW).toBe(1500);
      const preexisting = await token(m, 'TOP_UP', { kwh: 1 });
      await w.driver.execute(cmd(m, 'DELIVER_PREEXISTING_TOKEN', { token: preexisting }));
      expect((await w.state(m)).kwhCredit).toBeCloseTo(10.75, 3);
      await w.driver.execute(cmd(m, 'CLEAR_CREDIT', { token: await token(m, 'CLEAR_CREDIT') }));
      expect((await w.state(m)).kwhCredit).toBe(0);
      await w.driver.execute(cmd(m, 'CLEAR_TAMPER', { token: await token(m, 'CLEAR_TAMPER') }));
      expect((await w.state(m)).tamper).toBe(false);
    });

    it('refuses what the protocol cannot carry, with a typed error and nothing sent', async () => {
      const m = await fresh();
      for (const u of [...t.unsupported, { type: 'READ_REPORT' as const }, { type: 'JOIN_NETWORK' as const }]) {
        const e = await rejection(w.driver.execute(cmd(m, u.type, u.phase ? { phase: u.phase } : {})));
        expect(e.code, `${u.type} ${u.phase ?? ''}`).toBe(ErrorCode.VALIDATION_FAILED);
        expect(e.details).toMatchObject({ unsupported: true });
      }
      expect(await w.state(m)).toMatchObject(START);
    });

    it('a meter that never answers → TIMEOUT at the deadline, nothing applied', async () => {
      const m = await fresh();
      await w.faults.unreachable(m);
      expect((await rejection(w.driver.execute(await faultCmd(m, t.shortDeadlineMs)))).code).toBe(ErrorCode.TIMEOUT);
      expect(await applied(m)).toBe(false);
    });

    it('a deadline already gone → TIMEOUT, nothing sent', async () => {
      const m = await fresh();
      expect((await rejection(w.driver.execute({ ...(await faultCmd(m)), deadlineAt: Date.now() - 1 }))).code).toBe(ErrorCode.TIMEOUT);
      expect(await applied(m)).toBe(false);
    });

    it(`a meter that refuses → ${fault.refusedAs ?? ErrorCode.DEVICE_REJECTED}, nothing applied`, async () => {
      const m = await fresh();
      await w.faults.refuse(m);
      expect((await rejection(w.driver.execute(await faultCmd(m)))).code).toBe(fault.refusedAs ?? ErrorCode.DEVICE_REJECTED);
      expect(await applied(m)).toBe(false);
    });

    it('a lost answer → TIMEOUT although the meter carried it out (the ghost success the actors verify)', async () => {
      const m = await fresh();
      await w.faults.loseAnswer(m);
      expect((await rejection(w.driver.execute(await faultCmd(m, t.shortDeadlineMs)))).code).toBe(ErrorCode.TIMEOUT);
      await until(() => applied(m));
      expect(await applied(m)).toBe(true);
    });

    it('commands to one meter in parallel each get their own answer', async () => {
      const m = await fresh();
      const reads = (['READ_CREDIT', 'READ_POWER_LIMIT', 'READ_VERSION'] as const).filter(has);
      const results = await Promise.all(reads.map((type) => w.driver.execute(cmd(m, type))));
      results.forEach((r, i) => {
        const type = reads[i]!;
        if (type === 'READ_CREDIT') expect(r.result.kwhCredit).toBeCloseTo(7.25, 2);
        if (type === 'READ_POWER_LIMIT') expect(r.result.powerLimitW).toBe(2000);
        if (type === 'READ_VERSION') expect(typeof r.result.version).toBe('string');
      });
    });

    it('unsolicited reports reach listeners until they unsubscribe (or there are none)', async () => {
      const m = await fresh();
      const got: UnsolicitedReport[] = [];
      const off = w.driver.onUnsolicited((r) => got.push(r));
      expect(typeof off).toBe('function');
      if (!w.report) {
        off();
        expect(got).toEqual([]);
        return;
      }
      await w.report(m);
      await until(() => got.length === 1);
      expect(got[0]).toMatchObject({ type: 'READ_REPORT', meterExternalReference: w.reportRef!(m), result: { isOn: true } });
      expect(got[0]!.result.kwhCredit).toBeCloseTo(7.25, 2);
      off();
      await w.report(m);
      await w.driver.execute(cmd(m, 'TURN_OFF'));
      expect(got).toHaveLength(1);
    });

    it('after close: UNAVAILABLE', async () => {
      const world = await t.start();
      const m = await world.meter(999, START);
      await world.driver.close();
      expect((await rejection(world.driver.execute(await faultCmd(m)))).code).toBe(ErrorCode.UNAVAILABLE);
      await world.close();
    });
  });
}
