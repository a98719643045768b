import { z } from 'zod';
import { INTERACTION_TYPES, type InteractionType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { SUBJECT_SAFE_ID } from '../../../core/ids';
import { DAY_MS } from '../../../core/time';

const none = z.object({}).strict();
const phase = z.object({ phase: z.enum(['A', 'B', 'C']) }).strict();

/** Parameters per interaction type: exact, strict (extra fields are refused), with sane bounds. */
export const PARAMS_BY_TYPE: Record<InteractionType, z.ZodType<Record<string, unknown>> | null> = {
  READ_CREDIT: none, READ_POWER_LIMIT: none, READ_VERSION: none, READ_DATE: none, READ_TIME: none, READ_POWER: none,
  READ_VOLTAGE: phase, READ_CURRENT: phase,
  TURN_ON: none, TURN_OFF: none,
  SET_DATE: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).strict(),
  SET_TIME: z.object({ time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/) }).strict(),
  TOP_UP: z.object({ kwh: z.number().positive().max(10_000).multipleOf(0.001) }).strict(),
  CLEAR_CREDIT: none, CLEAR_TAMPER: none,
  SET_POWER_LIMIT: z.object({ powerLimitW: z.number().int().min(1).max(100_000) }).strict(),
  DELIVER_PREEXISTING_TOKEN: z.object({ token: z.string().regex(/^\d{20}$/) }).strict(),
  // Unsolicited: created by the runtime from uplinks, never by a caller.
  READ_REPORT: null, JOIN_NETWORK: null,
};

const safeId = z.string().regex(SUBJECT_SAFE_ID);

export const CreateInteractionRequest = z.object({
  type: z.enum(INTERACTION_TYPES),
  params: z.record(z.string(), z.unknown()).default({}),
  orderId: z.string().min(1).max(128).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  skipWebsocketEmission: z.boolean().optional(),
  /** Reads only: the interaction EXPIRES unsent after this long (meter twin). */
  ttlMs: z.number().int().positive().max(7 * DAY_MS).optional(),
  batchExecutionId: safeId.optional(),
}).strict();
export type CreateInteractionRequest = z.infer<typeof CreateInteractionRequest>;

function zodDetails(e: z.ZodError) {
  return e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Validates a create request and its type-specific params; throws VALIDATION_FAILED with details. */
export function parseCreateInteraction(body: unknown): CreateInteractionRequest {
  const r = CreateInteractionRequest.safeParse(body);
  if (!r.success) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid interaction request', { details: zodDetails(r.error) });
  const schema = PARAMS_BY_TYPE[r.data.type];
  if (!schema) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${r.data.type} is reported by meters and cannot be requested`, { details: [{ path: 'type', message: 'unsolicited type' }] });
  const p = schema.safeParse(r.data.params);
  if (!p.success) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `invalid params for ${r.data.type}`, { details: zodDetails(p.error) });
  if (r.data.ttlMs !== undefined && !r.data.type.startsWith('READ_')) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'ttlMs applies to read interactions only', { details: [{ path: 'ttlMs', message: 'reads only' }] });
  }
  return { ...r.data, params: p.data };
}
