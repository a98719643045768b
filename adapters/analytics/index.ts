export { HttpReadReportSink, type ReadReportSinkOptions } from './ReadReportSink';
export { createReadReportSimulator } from '../notify/simulators';
