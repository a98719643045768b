import { DEYE_SIM_CREDENTIALS, startDeyeSimulator } from './deye/simulator';
import { GOODWE_SIM_CREDENTIALS, startGoodweSimulator } from './goodwe/simulator';
import { HUAWEI_SIM_CREDENTIALS, startHuaweiSimulator } from './huawei/simulator';
import type { RunningSimulator, SimulatorOptions } from './simulator/server';
import { SOLIS_SIM_CREDENTIALS, startSolisSimulator } from './solis/simulator';
import { normalizeBrand, type CredentialsByBrand, type SolarBrand } from './types';

/** The four vendor cloud simulators behind one switch, with the credentials each accepts by default. */
export const SIMULATOR_CREDENTIALS: { [B in SolarBrand]: CredentialsByBrand[B] } = {
  SOLIS: { ...SOLIS_SIM_CREDENTIALS },
  HUAWEI: { ...HUAWEI_SIM_CREDENTIALS },
  GOODWE: { ...GOODWE_SIM_CREDENTIALS },
  DEYE: { ...DEYE_SIM_CREDENTIALS },
};

export function startSolarSimulator(brand: SolarBrand | string, opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const b = normalizeBrand(brand);
  switch (b) {
    case 'SOLIS': return startSolisSimulator(opts);
    case 'HUAWEI': return startHuaweiSimulator(opts);
    case 'GOODWE': return startGoodweSimulator(opts);
    case 'DEYE': return startDeyeSimulator(opts);
    default: {
      const never: never = b;
      throw new Error(`unknown brand ${String(never)}`);
    }
  }
}
