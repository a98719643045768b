import { ErrorCode, GridtwinError } from '../../core/errors';
import type { InteractionResult, InteractionType } from '../../core/domain';
import type { DriverCommand, DriverResponse, MeterDriver } from '../meters/types';
import type { CallOptions, EmliteMediatorClient } from './client';
import { isThreePhase } from './hardware';
import type { MediatorPool } from './pool';
import { type Clock, systemClock, utcDate } from '../../core/time';

type Handler = (client: EmliteMediatorClient, cmd: DriverCommand, o: CallOptions) => Promise<InteractionResult>;

/**
 * Credit on Emlite meters is money (GBP), not energy. It is reported in `kwhCredit` because that is the
 * field the interaction model calls "credit"; `raw.balanceGbp` says which unit it really is.
 */
const creditResult = (balance: number): InteractionResult => ({ kwhCredit: balance, raw: { balanceGbp: balance } });

async function deliverToken(client: EmliteMediatorClient, cmd: DriverCommand, o: CallOptions): Promise<InteractionResult> {
  const token = cmd.params.token;
  if (!token) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} needs params.token`);
  await client.prepaySendToken(cmd.meter.serial, token, o);
  // The follow-up balance read is the cascade's confirmation that the credit landed.
  const balance = await client.prepayBalance(cmd.meter.serial, o);
  return { ...creditResult(balance), token, tokenAccepted: true };
}

const PHASES = ['A', 'B', 'C'] as const;

const unsupported = (cmd: DriverCommand, why: string): GridtwinError =>
  new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type}${cmd.params.phase ? ` phase ${cmd.params.phase}` : ''} ${why}`, {
    details: { protocol: 'EMLITE', type: cmd.type, phase: cmd.params.phase, unsupported: true },
  });

/**
 * Single-phase meters carry one voltage (0x0C0700, phase A or none); three-phase meters L1..L3 (0x200700,
 * 0x340700, 0x480700) for phases A..C. The meter's model (read once, cached) says which it is.
 */
async function readVoltage(client: EmliteMediatorClient, cmd: DriverCommand, o: CallOptions): Promise<InteractionResult> {
  const phase = cmd.params.phase;
  if (!isThreePhase(await client.hardware(cmd.meter.serial, o))) {
    if (phase && phase !== 'A') throw unsupported(cmd, 'on a single-phase Emlite meter');
    return { voltageV: await client.voltage(cmd.meter.serial, o) };
  }
  const volts = await client.threePhaseVoltages(cmd.meter.serial, o);
  return { voltageV: volts[PHASES.indexOf(phase ?? 'A')]! };
}

/** The interaction types an Emlite meter supports over its mediator, and how. */
const HANDLERS: Partial<Record<InteractionType, Handler>> = {
  TOP_UP: deliverToken,
  DELIVER_PREEXISTING_TOKEN: deliverToken,
  READ_CREDIT: async (c, cmd, o) => creditResult(await c.prepayBalance(cmd.meter.serial, o)),
  READ_VOLTAGE: readVoltage,
  READ_VERSION: async (c, cmd, o) => ({ version: await c.firmwareVersion(cmd.meter.serial, o) }),
  READ_DATE: async (c, cmd, o) => ({ date: utcDate(await c.clockTime(cmd.meter.serial, o)) }),
  READ_TIME: async (c, cmd, o) => ({ time: (await c.clockTime(cmd.meter.serial, o)).toISOString().slice(11, 19) }),
};

export const EMLITE_SUPPORTED_TYPES = Object.keys(HANDLERS) as InteractionType[];

/** MeterDriver for EMLITE meters: each meter's `mediatorAddress` names its mediator in the pool. */
export class EmliteMeterDriver implements MeterDriver {
  readonly name = 'emlite';
  /** The pool would open a fresh client for a closed driver's next command; a closed driver serves none. */
  private closed = false;

  constructor(private readonly pool: MediatorPool, private readonly now: Clock = systemClock) {}

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'emlite driver is closed');
    if (cmd.meter.protocol !== 'EMLITE') {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `emlite driver cannot serve protocol ${cmd.meter.protocol}`);
    }
    const handler = HANDLERS[cmd.type];
    if (!handler) throw unsupported(cmd, 'is not supported on EMLITE meters');
    if (!cmd.meter.mediatorAddress) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `meter ${cmd.meter.id} has no mediator address`);
    const remaining = cmd.deadlineAt - this.now();
    if (remaining <= 0) throw new GridtwinError(ErrorCode.TIMEOUT, `deadline passed before ${cmd.type} was sent`);
    const result = await handler(this.pool.client(cmd.meter.mediatorAddress), cmd, { deadlineMs: Math.ceil(remaining) });
    return { result };
  }

  onUnsolicited(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
  }
}
