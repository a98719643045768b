import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import type { InteractionRow, MeterContext } from '../../../persistence';
import { andThen, decided, type AnyReply, type DecideEnv, type Decision } from '../effects';
import type { MeterMsg } from '../messages';
import type { Loaded } from '../state';
import { meterView } from '../views';
import { create, type CreateFacts } from './Create';
import { next } from './Dispatch';
import { driverReplied } from './DriverReplied';
import { issueChanged, requestIssueChange } from './Issues';
import { abortCommissioningSiblings, abortInteraction, expireOverdue, release, worldChanged } from './Lifecycle';
import { reconcile, resetReconcileWhenInSync } from './Reconcile';
import { setDesired } from './SetDesired';
import { requestSync, syncFinished } from './Sync';
import { unsolicited } from './Unsolicited';

/** The reads a message's decision needs (gathered by `facts.ts`; empty for most messages). */
export interface MessageFacts {
  create?: CreateFacts;
  /** abort: the stored row of an interaction that is not open here. */
  stored?: InteractionRow;
  /** worldChanged: the meter's world as stored now. */
  world?: MeterContext;
  /** unsolicited: the uplink is already recorded. */
  seen?: boolean;
}

export const replyOf = (m: MeterMsg): AnyReply | undefined => ('reply' in m ? (m.reply as AnyReply | undefined) : undefined);

/** The switch: one pure decision per message kind. */
export function decideMessage(s: Loaded, msg: MeterMsg, f: MessageFacts, de: DecideEnv): Decision {
  switch (msg.type) {
    case 'create':
      return create(s, de, msg.req, msg.opts ?? {}, f.create ?? {}, msg.reply as never);
    case 'get':
      return decided(s, { kind: 'reply', reply: msg.reply as AnyReply, data: meterView(s.ctx, s.queue, s.inFlight) });
    case 'abort':
      return abortInteraction(s, de, msg.interactionId, msg.reason, f.stored, msg.reply as never);
    case 'abortCommissioningSiblings':
      return abortCommissioningSiblings(s, de, msg.commissioningId, msg.reason, msg.reply as never);
    case 'release':
      return release(s, de, msg.interactionId, msg.reply as never);
    case 'driverReplied': {
      const d = driverReplied(s, de, msg.interactionId, msg.outcome);
      return { ...d, state: resetReconcileWhenInSync(d.state) };
    }
    case 'worldChanged':
      return worldChanged(s, de, f.world);
    case 'tick':
      return andThen(expireOverdue(s, de), (x) => reconcile(x, de));
    case 'unsolicited': {
      const d = unsolicited(s, de, msg.report, f.seen ?? false);
      return { ...d, state: resetReconcileWhenInSync(d.state) };
    }
    case 'setDesired':
      return setDesired(s, de.now, msg.desired, msg.reply as never);
    case 'issue':
      return requestIssueChange(s, de, msg.op, msg.reply as AnyReply);
    case 'issueChanged':
      return issueChanged(s, de.now, msg.op, msg.result, msg.reply as AnyReply);
    case 'sync':
      return requestSync(s, { syncers: msg.syncers, sweepId: msg.sweepId, reply: msg.reply });
    case 'syncFinished':
      return syncFinished(s, msg.runId, msg.req, msg.run);
    default: {
      const never: never = msg;
      throw new GridtwinError(ErrorCode.INTERNAL, `unknown meter message ${(never as { type: string }).type}`);
    }
  }
}

/**
 * One turn of the meter actor, pure: the message's decision, then `next` (start a waiting sync or send
 * the next queued interaction). An expected refusal (validation, NOT_FOUND, INVALID_STATE, …) is answered
 * and changes nothing; INTERNAL and CONFLICT are thrown (the actor resets from the database).
 */
export function step(s: Loaded, msg: MeterMsg, f: MessageFacts, de: DecideEnv): Decision {
  let d: Decision;
  try {
    d = decideMessage(s, msg, f, de);
  } catch (e) {
    const err = toGridtwinError(e);
    if (err.code === ErrorCode.INTERNAL || err.code === ErrorCode.CONFLICT) throw e;
    d = decided(s, { kind: 'refuse', reply: replyOf(msg), error: err });
  }
  return andThen(d, (x) => next(x, de));
}
