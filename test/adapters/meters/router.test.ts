import { describe, expect, it } from 'vitest';
import { createMeterDriverRouter } from '../../../adapters/meters/router';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../../adapters/meters/simulated';
import type { DriverCommand, UnsolicitedReport } from '../../../adapters/meters/types';
import { ErrorCode, GridtwinError } from '../../../core/errors';

const base = (over: Partial<DriverCommand>): DriverCommand => ({
  interactionId: 'i1', type: 'READ_CREDIT', meter: { id: 'm1', serial: 'S1', protocol: 'CALIN_V1' }, params: {}, deadlineAt: Date.now() + 5000, ...over,
});

describe('createMeterDriverRouter', () => {
  it('gets a token keyed by interaction id, passes it to the driver, and never buys twice on retry', async () => {
    const v1 = new SimulatedFleetDriver();
    const tokens = new SimulatedTokenService();
    const seen: DriverCommand[] = [];
    const spy = { ...v1, name: 'spy', execute: (c: DriverCommand) => { seen.push(c); return v1.execute(c); }, onUnsolicited: v1.onUnsolicited.bind(v1), close: v1.close.bind(v1) };
    const router = createMeterDriverRouter({ byProtocol: { CALIN_V1: spy }, tokenService: tokens });
    v1.addMeter('m1', 'S1', { kwhCredit: 1 });
    v1.dropAckOnce('m1');
    const top = base({ interactionId: 'int-42', type: 'TOP_UP', params: { kwh: 5 } });
    await expect(router.execute(top)).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    // the retry of the same interaction re-delivers the same token, which the meter refuses: credit added once
    await expect(router.execute(top)).rejects.toMatchObject({ code: ErrorCode.DEVICE_REJECTED });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.params.token).toMatch(/^\d{20}$/);
    expect(seen[1]!.params.token).toBe(seen[0]!.params.token);
    expect(seen[0]!.params.kwh).toBe(5);
    expect(tokens.issued).toBe(1);
    expect(v1.getMeter('m1')?.kwhCredit).toBe(6);
  });

  it('passes non-token commands through untouched and routes by protocol', async () => {
    const a = new SimulatedFleetDriver({ seed: 1 });
    const b = new SimulatedFleetDriver({ seed: 2 });
    const tokens = new SimulatedTokenService();
    const router = createMeterDriverRouter({ byProtocol: { CALIN_V1: a, CALIN_LORAWAN: b }, tokenService: tokens });
    await router.execute(base({ type: 'TURN_OFF' }));
    await router.execute(base({ type: 'TURN_OFF', meter: { id: 'm2', serial: 'S2', protocol: 'CALIN_LORAWAN' } }));
    expect(a.executedCount('m1', 'TURN_OFF')).toBe(1);
    expect(a.executedCount('m2')).toBe(0);
    expect(b.executedCount('m2', 'TURN_OFF')).toBe(1);
    expect(tokens.issued).toBe(0);
  });

  it('unknown protocol is UNAVAILABLE with a clear message', async () => {
    const router = createMeterDriverRouter({ byProtocol: { CALIN_V1: new SimulatedFleetDriver() }, tokenService: new SimulatedTokenService() });
    const err = await router.execute(base({ meter: { id: 'm9', serial: 'S9', protocol: 'EMLITE' } })).catch((e) => e);
    expect(err).toBeInstanceOf(GridtwinError);
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.message).toBe('no meter driver for protocol EMLITE (configured: CALIN_V1)');
  });

  it('merges unsolicited reports of all drivers and unsubscribes from all', () => {
    const a = new SimulatedFleetDriver();
    const b = new SimulatedFleetDriver();
    const router = createMeterDriverRouter({ byProtocol: { CALIN_V1: a, CALIN_V2: a, CALIN_LORAWAN: b }, tokenService: new SimulatedTokenService() });
    const got: UnsolicitedReport[] = [];
    const off = router.onUnsolicited((r) => got.push(r));
    a.emitReport('x');
    b.emitReport('y');
    off();
    a.emitReport('x');
    expect(got.map((r) => r.meterExternalReference)).toEqual(['x', 'y']);
  });
});
