/**
 * Simulator controls (issue 13): the last token of `sim.meter.<id>.<action>` and `sim.plant.<id>.<action>`.
 * Served only when simulators are on; integrators use them to test their side against faults.
 */
export const METER_SIM_ACTIONS = [
  'fail-next', 'refuse', 'unreachable', 'drop-ack', 'latency', 'failure-rate', 'set-credit', 'flip-relay', 'report', 'clear',
] as const;
export type MeterSimAction = (typeof METER_SIM_ACTIONS)[number];

export const PLANT_SIM_ACTIONS = ['silent', 'alarm-raise', 'alarm-clear'] as const;
export type PlantSimAction = (typeof PLANT_SIM_ACTIONS)[number];
