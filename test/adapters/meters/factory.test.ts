import { describe, expect, it } from 'vitest';
import { createMeterAdapters, CalinTokenService, SimulatedTokenService } from '../../../adapters/meters';
import { parseConfig } from '../../../core/config';
import { ErrorCode } from '../../../core/errors';

const cmd = { interactionId: 'i1', type: 'TOP_UP' as const, params: { kwh: 2 }, deadlineAt: Date.now() + 1000, meter: { id: 'm1', serial: 'S1', protocol: 'CALIN_V1' as const } };

describe('createMeterAdapters', () => {
  it('standalone: simulated fleet and tokens serve every Calin protocol', async () => {
    const a = await createMeterAdapters(parseConfig({}).drivers, { useSimulators: true });
    expect(a.tokenService).toBeInstanceOf(SimulatedTokenService);
    expect((await a.driver.execute(cmd)).result.tokenAccepted).toBe(true);
    expect(a.simulatedFleet?.executedCount('m1', 'TOP_UP')).toBe(1);
    await a.driver.close();
  });

  it('without simulators nothing falls back silently', async () => {
    const a = await createMeterAdapters(parseConfig({}).drivers, { useSimulators: false });
    expect(a.simulatedFleet).toBeUndefined();
    await expect(a.tokenService.generate({ type: 'TOP_UP', meterSerial: 'S1', kwh: 1, idempotencyKey: 'k' })).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await expect(a.driver.execute({ ...cmd, type: 'READ_CREDIT' })).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: 'no meter driver for protocol CALIN_V1 (configured: none)' });
  });

  it('a configured Calin API is used for tokens', async () => {
    const drivers = parseConfig({ drivers: { calinBaseUrl: 'http://127.0.0.1:1', calinCompany: 'c', calinUser: 'u', calinPassword: 'p' } }).drivers;
    const a = await createMeterAdapters(drivers, { useSimulators: true });
    expect(a.tokenService).toBeInstanceOf(CalinTokenService);
  });
});
