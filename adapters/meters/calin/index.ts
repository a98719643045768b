export { CalinTokenService, type CalinTokenServiceOptions } from './CalinTokenService';
export { CalinV1Driver, type CalinV1DriverOptions } from './CalinV1Driver';
export { CalinV2Session, type CalinV2SessionOptions } from './CalinV2Session';
export { CalinV2Driver, type CalinV2DriverOptions } from './CalinV2Driver';
export { CalinV2TokenService, serialNumberFor, type CalinV2TokenServiceOptions } from './CalinV2TokenService';
export { CalinApiSimulator, type CalinSimulatorOptions } from './simulator';
export { originPollLadderMs } from './taskPoll';
export { V1_TASK_PATHS, V1_TOKEN_PATHS, V1_RESULT, parseV1Data, v1DateData, v1TaskFor, type CalinTokenType } from './v1Protocol';
export { V2_TASK_PATHS, V2_TOKEN_PATHS, V2_STATUS, V2_LOGIN_PATH, parseV2Row, v2DateData, v2TaskFor } from './v2Protocol';
