import { SIMULATOR_CREDENTIALS, startDeyeSimulator, startGoodweSimulator, startHuaweiSimulator, startSolisSimulator } from '../../adapters/solar';
import { deyePasswordHash } from '../../adapters/solar/deye/codec';
import { solarConformance } from './solarSuite';

const solis = SIMULATOR_CREDENTIALS.SOLIS;
solarConformance({
  brand: 'SOLIS', start: startSolisSimulator, credentials: solis,
  wrongCredentials: { ...solis, keySecret: 'wrong-solis-secret' },
  secrets: [solis.keySecret, 'wrong-solis-secret'],
});

const huawei = SIMULATOR_CREDENTIALS.HUAWEI;
solarConformance({
  brand: 'HUAWEI', start: startHuaweiSimulator, credentials: huawei,
  wrongCredentials: { ...huawei, systemCode: 'wrong-system-code' },
  secrets: [huawei.systemCode, 'wrong-system-code'],
});

const goodwe = SIMULATOR_CREDENTIALS.GOODWE;
solarConformance({
  brand: 'GOODWE', start: startGoodweSimulator, credentials: goodwe,
  wrongCredentials: { ...goodwe, password: 'wrong-sems-password' },
  secrets: [goodwe.password, 'wrong-sems-password'],
});

const deye = SIMULATOR_CREDENTIALS.DEYE;
solarConformance({
  brand: 'DEYE', start: startDeyeSimulator, credentials: deye,
  wrongCredentials: { ...deye, password: 'wrong-deye-password' },
  secrets: [deye.appSecret, deye.password, deyePasswordHash(deye.password), 'wrong-deye-password'],
});
