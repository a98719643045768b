import type { DriverCommand, MeterDriver } from '../../adapters/meters/types';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Metrics } from '../../core/metrics';
import type { DriverOutcome } from './decide/DriverReplied';

/**
 * Driver calls of one runtime whose outcome the meter actor has not handled yet. After a crash reset, a
 * PROCESSING interaction found here is still being worked on (its outcome will arrive as a message); one
 * not found here was interrupted by a stop of the node. One per runtime: two nodes in one process do not
 * share it.
 */
export class DriverCalls {
  private readonly pending = new Set<string>();

  constructor(private readonly driver: MeterDriver, private readonly metrics: Metrics, private readonly now: () => number) {}

  isPending = (interactionId: string): boolean => this.pending.has(interactionId);

  settled(interactionId: string): void {
    this.pending.delete(interactionId);
  }

  /** Sends and never rejects: the outcome (or the deadline guard's TIMEOUT) is handed to `back`, once. */
  send(cmd: DriverCommand, back: (interactionId: string, outcome: DriverOutcome) => void): void {
    const { interactionId } = cmd;
    let settled = false;
    const startedAt = performance.now();
    this.pending.add(interactionId);
    const once = (outcome: DriverOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      const label = outcome.ok ? 'ok' : outcome.error.code;
      this.metrics.driverCommands.inc({ protocol: cmd.meter.protocol, type: cmd.type, outcome: label });
      this.metrics.driverSeconds.observe({ protocol: cmd.meter.protocol, outcome: label }, (performance.now() - startedAt) / 1000);
      back(interactionId, outcome);
    };
    const guard = setTimeout(() => once({ ok: false, error: new GridtwinError(ErrorCode.TIMEOUT, 'no answer from the meter before the deadline') }),
      Math.max(0, cmd.deadlineAt - this.now()) + 50);
    this.driver.execute(cmd).then(
      (response) => once({ ok: true, response }),
      (e) => once({ ok: false, error: toGridtwinError(e) }),
    );
  }
}
