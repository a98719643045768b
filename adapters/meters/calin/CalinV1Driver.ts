import type { DriverCommand, DriverMeterRef, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import type { InteractionResult } from '../../../core/domain';
import { ErrorCode, GridtwinError, isTransient } from '../../../core/errors';
import { silentLogger, type Logger } from '../../../core/logger';
import { resolveRetryPolicy, type RetryPolicy } from '../../notify/http';
import { calinPost } from './http';
import { originPollLadderMs, pollTask } from './taskPoll';
import { parseV1Data, V1_RESULT, V1_TASK_PATHS, v1DateData, v1TaskFor, type V1CommResponse } from './v1Protocol';

export interface CalinV1DriverOptions {
  baseUrl: string;
  company: string;
  /** The COMM (remote task) account: the origin's CALIN_API_V1_ADMIN_USERNAME / _PASSWORD. */
  user: string;
  password: string;
  /** Per call; default 3 attempts, 500 ms initial backoff, 20 s per attempt. */
  retry?: Partial<RetryPolicy>;
  /** Wait before the next task poll, by the task's age; default: the origin's ladder (10 s, … 30 s). */
  pollDelayMs?: (ageMs: number) => number;
  /** The Calin meter number; default: the meter's serial. */
  meterNumberOf?: (meter: DriverMeterRef) => string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

/** Results the meter does not echo: the value the finished task carried. */
export function withRequested(cmd: Pick<DriverCommand, 'type' | 'params'>, result: InteractionResult): InteractionResult {
  if (cmd.type === 'SET_DATE' && cmd.params.date) return { ...result, date: cmd.params.date };
  if (cmd.type === 'SET_POWER_LIMIT' && cmd.params.powerLimitW !== undefined) return { ...result, powerLimitW: cmd.params.powerLimitW };
  return result;
}

export const unsupported = (protocol: string, cmd: Pick<DriverCommand, 'type' | 'params'>, why: string) =>
  new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} cannot be sent to a ${protocol} meter: ${why}`, {
    details: { protocol, type: cmd.type, phase: cmd.params.phase, unsupported: true },
  });

/**
 * CALIN_V1 meters through the Calin API v1 remote tasks (the origin's calin-api-v1 plugin): create the task,
 * then poll it until it finishes or the command's deadline passes (TIMEOUT: the meter may still carry it
 * out). A task that finished 'False', or a token Calin refuses (ResultCode 99), is DEVICE_REJECTED; other
 * refusals are VENDOR_ERROR with Calin's code and reason in `details`. Types without a v1 task (READ_TIME,
 * SET_TIME, per-phase power) are refused before any call. Tokens come from the router's token service.
 */
export class CalinV1Driver implements MeterDriver {
  readonly name = 'calin-v1';
  private readonly retry: RetryPolicy;
  private closed = false;

  constructor(private readonly opts: CalinV1DriverOptions) {
    try { new URL(opts.baseUrl); } catch { throw new RangeError('calin v1 baseUrl is not a valid URL'); }
    if (!opts.company || !opts.user || !opts.password) throw new RangeError('calin v1 company, user and password are required');
    this.retry = resolveRetryPolicy({ maxAttempts: 3, initialBackoffMs: 500, timeoutMs: 20_000, ...opts.retry });
  }

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'calin v1 driver closed');
    const task = v1TaskFor(cmd.type, cmd.params.phase);
    if (!task) throw unsupported('CALIN_V1', cmd, 'the Calin API v1 has no task for it');
    if (cmd.type === 'READ_POWER' && cmd.params.phase && cmd.params.phase !== 'A') throw unsupported('CALIN_V1', cmd, 'v1 reads total power only');
    const meterNo = (this.opts.meterNumberOf ?? ((m) => m.serial))(cmd.meter);
    const fields: Record<string, string> = { MeterNo: meterNo };
    if (task.dataItem) fields.DataItem = task.dataItem;
    if (task.kind === 'WRITE') {
      const data = v1DateData(cmd.params.date);
      if (!data) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'SET_DATE needs a real calendar date YYYY-MM-DD');
      fields.Data = data;
    }
    if (task.kind === 'TOKEN') {
      if (!cmd.params.token?.trim()) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} needs a token`);
      fields.Token = cmd.params.token;
    }
    const paths = V1_TASK_PATHS[task.kind];
    const details = { meterNo, type: cmd.type, interactionId: cmd.interactionId };
    let attempts = 1;
    const created = await this.call(paths.create, fields, cmd, 'create', (n) => { attempts = n; });
    const taskNo = created.Result?.TaskNo;
    if (!taskNo) {
      if (task.kind === 'TOKEN' && created.ResultCode === V1_RESULT.TOKEN_REJECTED && attempts > 1) {
        // a retry after a lost answer: the first attempt may have delivered this very token
        throw new GridtwinError(ErrorCode.TIMEOUT, `calin refused the token for ${meterNo} on a retry; the first attempt may have delivered it`, { details: { ...details, resultCode: created.ResultCode, attempts } });
      }
      if (task.kind === 'TOKEN' && created.ResultCode === V1_RESULT.TOKEN_REJECTED) {
        throw new GridtwinError(ErrorCode.DEVICE_REJECTED, `calin refused the token for ${meterNo} at once (possibly already delivered)`, { details: { ...details, resultCode: created.ResultCode } });
      }
      throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin did not schedule ${cmd.type}: ${created.Reason ?? 'no reason'}`, { details: { ...details, resultCode: created.ResultCode, reason: created.Reason } });
    }
    const result = await pollTask({
      deadlineAt: cmd.deadlineAt, createdAt: Date.now(), delayMs: this.opts.pollDelayMs ?? originPollLadderMs, sleep: this.opts.sleep,
      what: `calin v1 ${cmd.type} on ${meterNo}`, details: { ...details, taskNo },
      poll: () => this.look(paths.poll, taskNo, cmd, task.dataItem ?? 'Token', details),
    });
    return { result: withRequested(cmd, result) };
  }

  onUnsolicited(_listener: (r: UnsolicitedReport) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** One look at the task: a result when it finished, undefined while it runs (or while Calin cannot say). */
  private async look(path: string, taskNo: string, cmd: DriverCommand, dataItem: string, details: Record<string, unknown>): Promise<InteractionResult | undefined> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'calin v1 driver closed', { details });
    let res: V1CommResponse;
    try {
      res = await this.call(path, { TaskNo: taskNo }, cmd, 'poll');
    } catch (e) {
      // the task exists; a vendor hiccup while looking at it does not decide its outcome
      if (!isTransient(e) || (e as GridtwinError).code === ErrorCode.TIMEOUT) throw e;
      this.opts.logger?.warn({ ...details, taskNo, err: (e as Error).message }, 'calin v1 task poll failed; looking again');
      return undefined;
    }
    const r = res.Result;
    if (!r) {
      if (res.ResultCode === V1_RESULT.TOKEN_REJECTED) {
        throw new GridtwinError(ErrorCode.DEVICE_REJECTED, 'the meter rejected the token (possibly already delivered)', { details: { ...details, taskNo, resultCode: res.ResultCode } });
      }
      throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin gave no state for task ${taskNo}: ${res.Reason ?? 'no reason'}`, { details: { ...details, taskNo, resultCode: res.ResultCode, reason: res.Reason } });
    }
    if (r.Status === 'False') {
      const reason = res.Reason && res.Reason !== 'OK' ? res.Reason : 'delivered, but the meter did not carry it out';
      throw new GridtwinError(ErrorCode.DEVICE_REJECTED, `${cmd.type} failed on the meter: ${reason}`, { details: { ...details, taskNo, reason: res.Reason } });
    }
    if (r.Status !== 'True') return undefined;
    const refuse = (field: string, problem: string) =>
      new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `calin v1: Result.${field}: ${problem}`, { details: { ...details, taskNo, field: `Result.${field}` } });
    // the source types DataItem and Data as text; a number is read as its text, anything else is not an answer
    const item: unknown = r.DataItem ?? dataItem;
    if (typeof item !== 'string') throw refuse('DataItem', `${JSON.stringify(item)} is not text`);
    const data: unknown = r.Data ?? '';
    if (typeof data !== 'string' && typeof data !== 'number') throw refuse('Data', `${JSON.stringify(data)} is not text`);
    const parsed = parseV1Data(item, String(data));
    if (typeof parsed === 'string') throw refuse('Data', parsed);
    return parsed;
  }

  private async call(path: string, fields: Record<string, string>, cmd: DriverCommand, step: string, onAnswered?: (attempts: number) => void): Promise<V1CommResponse> {
    const o = this.opts;
    const body = await calinPost({
      baseUrl: o.baseUrl, path, body: { CompanyName: o.company, UserName: o.user, Password: o.password, ...fields },
      target: `calin v1 ${path.slice(1)}`, idempotencyKey: `${cmd.interactionId}:${step}`, retry: this.retry, secrets: [o.password],
      deadlineAt: cmd.deadlineAt, fetch: o.fetch, sleep: o.sleep, random: o.random, logger: o.logger ?? silentLogger, onAnswered,
    });
    if (typeof body.ResultCode !== 'string' && typeof body.ResultCode !== 'number') {
      throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `calin v1 ${path.slice(1)} answered without ResultCode`);
    }
    return { ...body, ResultCode: String(body.ResultCode) } as V1CommResponse;
  }
}
