import type { DriverCommand, DriverMeterRef, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import type { InteractionResult } from '../../../core/domain';
import { ErrorCode, GridtwinError, isTransient } from '../../../core/errors';
import type { Logger } from '../../../core/logger';
import { unsupported, withRequested } from './CalinV1Driver';
import type { CalinV2Session } from './CalinV2Session';
import { originPollLadderMs, pollTask } from './taskPoll';
import { parseV2Row, V2_STATUS, V2_TASK_PATHS, v2DateData, v2TaskFor, type V2TaskKind, type V2TaskRow } from './v2Protocol';

export interface CalinV2DriverOptions {
  session: CalinV2Session;
  /** Sent with every task (the origin's CALIN_API_V2_CUSTOMER_ID). */
  customerId: string;
  pollDelayMs?: (ageMs: number) => number;
  /** The Calin meter id; default: the meter's serial. */
  meterNumberOf?: (meter: DriverMeterRef) => string;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

/**
 * CALIN_V2 meters through the Calin API v2 remote meter tasks (the origin's calin-api-v2 plugin): create the
 * task, poll it by id until status 1 (done), 2 (failed: DEVICE_REJECTED) or 3 (token rejected:
 * DEVICE_REJECTED), or until the command's deadline (TIMEOUT). The v2 reads name phase A only, so a phase B/C
 * read is refused; READ_TIME and SET_TIME have no protocolId in the source and are refused too.
 */
export class CalinV2Driver implements MeterDriver {
  readonly name = 'calin-v2';
  private closed = false;

  constructor(private readonly opts: CalinV2DriverOptions) {
    if (!opts.customerId) throw new RangeError('calin v2 customerId is required');
  }

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'calin v2 driver closed');
    const task = v2TaskFor(cmd.type);
    if (!task) throw unsupported('CALIN_V2', cmd, 'the Calin API v2 has no task for it');
    if (cmd.params.phase && cmd.params.phase !== 'A' && task.kind === 'READ') throw unsupported('CALIN_V2', cmd, 'v2 reads phase A only');
    const meterId = (this.opts.meterNumberOf ?? ((m) => m.serial))(cmd.meter);
    let data: string | undefined;
    if (task.kind === 'WRITE') {
      data = v2DateData(cmd.params.date);
      if (!data) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'SET_DATE needs a real calendar date YYYY-MM-DD');
    }
    if (task.kind === 'TOKEN') {
      if (!cmd.params.token?.trim()) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} needs a token`);
      data = cmd.params.token;
    }
    const { session } = this.opts;
    const company = session.opts.company;
    const details = { meterId, type: cmd.type, interactionId: cmd.interactionId };
    const paths = V2_TASK_PATHS[task.kind];
    const created = await session.post(paths.create, [{ meterId, protocolId: task.protocolId, ...(data !== undefined ? { data } : {}), customerId: this.opts.customerId, company }], {
      idempotencyKey: `${cmd.interactionId}:create`, deadlineAt: cmd.deadlineAt, secrets: cmd.params.token ? [cmd.params.token] : [],
    });
    const id = (Array.isArray(created.result) ? (created.result[0] as { id?: unknown } | undefined)?.id : undefined);
    if (id === undefined || id === null || id === '') {
      throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin v2 did not schedule ${cmd.type}: ${String(created.reason ?? 'no reason')}`, { details: { ...details, code: created.code, reason: created.reason } });
    }
    const taskId = Number(id);
    if ((typeof id !== 'number' && typeof id !== 'string') || !Number.isFinite(taskId)) {
      throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `calin v2 ${cmd.type}: result[0].id ${JSON.stringify(id)} is not a task number`, { details: { ...details, field: 'result[0].id' } });
    }
    const result = await pollTask({
      deadlineAt: cmd.deadlineAt, createdAt: Date.now(), delayMs: this.opts.pollDelayMs ?? originPollLadderMs, sleep: this.opts.sleep,
      what: `calin v2 ${cmd.type} on ${meterId}`, details: { ...details, taskId },
      poll: () => this.look(paths.poll, taskId, task.kind, cmd, { ...details, taskId }),
    });
    return { result: withRequested(cmd, result) };
  }

  onUnsolicited(_listener: (r: UnsolicitedReport) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async look(path: string, taskId: number, kind: V2TaskKind, cmd: DriverCommand, details: Record<string, unknown>): Promise<InteractionResult | undefined> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'calin v2 driver closed', { details });
    let res: Record<string, unknown>;
    try {
      res = await this.opts.session.post(path, { id: taskId, lang: 'en', company: this.opts.session.opts.company }, { idempotencyKey: `${cmd.interactionId}:poll`, deadlineAt: cmd.deadlineAt });
    } catch (e) {
      if (!isTransient(e) || (e as GridtwinError).code === ErrorCode.TIMEOUT) throw e;
      this.opts.logger?.warn({ ...details, err: (e as Error).message }, 'calin v2 task poll failed; looking again');
      return undefined;
    }
    const row = ((res.result as { data?: unknown } | null | undefined)?.data as V2TaskRow[] | undefined)?.[0];
    if (!row || typeof row.name !== 'string' || typeof row.status !== 'number') {
      throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin v2 gave no state for task ${taskId}: ${String(res.reason ?? 'no reason')}`, { details: { ...details, code: res.code, reason: res.reason } });
    }
    if (row.status === V2_STATUS.SUCCESS) {
      const parsed = parseV2Row(row, kind);
      if (typeof parsed === 'string') throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `calin v2: result.data[0].data: ${parsed}`, { details: { ...details, field: 'result.data[0].data' } });
      return parsed;
    }
    if (row.status === V2_STATUS.TOKEN_REJECTED) {
      throw new GridtwinError(ErrorCode.DEVICE_REJECTED, 'the meter rejected the token (possibly already delivered)', { details: { ...details, status: row.status } });
    }
    if (row.status >= V2_STATUS.FAILED) {
      const reason = res.reason && res.reason !== 'success' ? String(res.reason) : 'delivered, but the meter did not carry it out';
      throw new GridtwinError(ErrorCode.DEVICE_REJECTED, `${cmd.type} failed on the meter: ${reason}`, { details: { ...details, status: row.status } });
    }
    return undefined;
  }
}
