import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../core/errors';
import { EmliteMediatorClient, startMediatorSimulator } from '../../../adapters/emlite';

const T0 = Date.UTC(2025, 2, 1, 0, 0, 0);

describe('mediator simulator', () => {
  it('is deterministic from seed and clock, and different seeds differ', async () => {
    const clock = () => T0;
    const [a, b, c] = await Promise.all([
      startMediatorSimulator({ meters: 3, seed: 7, now: clock }),
      startMediatorSimulator({ meters: 3, seed: 7, now: clock }),
      startMediatorSimulator({ meters: 3, seed: 8, now: clock }),
    ]);
    const clients = [a, b, c].map((s) => new EmliteMediatorClient(s.address));
    try {
      const reads = await Promise.all(clients.map((cl) => cl.readElementA('EMLSIM00000002')));
      expect(reads[0]).toEqual(reads[1]);
      expect(reads[0]).not.toEqual(reads[2]);
    } finally {
      clients.forEach((cl) => cl.close());
      await Promise.all([a, b, c].map((s) => s.stop()));
    }
  });

  it('register controls: set, rate, reversal, reset; link down until restored', async () => {
    let clock = T0;
    const sim = await startMediatorSimulator({ meters: [{ serial: 'EMLCTL01' }], now: () => clock });
    const c = new EmliteMediatorClient(sim.address);
    try {
      sim.meters.setRegister('EMLCTL01', 'importA', 10_000);
      sim.meters.setRate('EMLCTL01', 'importA', 1_000);
      clock += 3_600_000;
      expect((await c.readElementA('EMLCTL01')).importActiveWh).toBe(11_000);
      sim.meters.forceReversal('EMLCTL01', 'importA', 7);
      expect((await c.readElementA('EMLCTL01')).importActiveWh).toBe(10_993);
      sim.meters.forceReset('EMLCTL01');
      expect(await c.readElementA('EMLCTL01')).toEqual({ importActiveWh: 0, exportActiveWh: 0, importReactiveVarh: 0, exportReactiveVarh: 0 });
      sim.meters.setLinkDown('EMLCTL01', true);
      await expect(c.prepayBalance('EMLCTL01')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      await expect(c.prepayBalance('EMLCTL01')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      sim.meters.setLinkDown('EMLCTL01', false);
      sim.meters.setBalance('EMLCTL01', 1.5);
      expect(await c.prepayBalance('EMLCTL01')).toBe(1.5);
      expect(sim.meters.callCount('readElement', 'EMLCTL01')).toBe(6);
      sim.meters.resetStats();
      expect(sim.meters.callCount()).toBe(0);
    } finally {
      c.close();
      await sim.stop();
    }
  });
});
