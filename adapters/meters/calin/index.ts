export { CalinTokenService, type CalinTokenServiceOptions } from './CalinTokenService';
export { CalinApiSimulator, type CalinSimulatorOptions } from './simulator';
export { CALIN_PATHS, CALIN_RESULT, type CalinTokenType } from './protocol';
