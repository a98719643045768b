import { z } from 'zod';
import type { Bus } from '../../adapters/bus';
import { INTERACTION_TYPES } from '../../core/domain';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import { fail, type Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { policy, type Principal } from '../auth';
import { ownershipOf } from './topics';

/**
 * The commands a WS client or an HTTP caller may send, mirrored onto the runtime's NATS subjects.
 * One catalogue for both transports: argument schema, authorization, subject and payload.
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');

const CreateInteractionArgs = z.object({
  meterId: id,
  type: z.enum(INTERACTION_TYPES),
  params: z.record(z.string(), z.unknown()).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  orderId: z.string().min(1).max(200).optional(),
}).strict();

const ARGS = {
  createInteraction: CreateInteractionArgs,
  getMeter: z.object({ meterId: id }).strict(),
  getGrid: z.object({ gridId: id }).strict(),
  pollPlant: z.object({ plantId: id }).strict(),
  ackAlert: z.object({ alertId: id }).strict(),
  listAlerts: z.object({ organizationId: id.optional() }).strict(),
} as const;

export type CommandName = keyof typeof ARGS;
export const COMMAND_NAMES = Object.keys(ARGS) as CommandName[];
export const isCommandName = (n: string): n is CommandName => Object.hasOwn(ARGS, n);

export interface CommandContext {
  bus: Bus;
  subjects: Subjects;
  principal: Principal;
  timeoutMs: number;
  /** How long a manual plant poll may take (the poll's own deadline). */
  pollTimeoutMs?: number;
}

const forbidden = (what: string) => new GridtwinError(ErrorCode.FORBIDDEN, `not allowed: ${what}`);

/** Asks the runtime; transport failures (TIMEOUT / UNAVAILABLE) become error replies. */
async function ask(ctx: CommandContext, subject: string, payload: unknown, timeoutMs = ctx.timeoutMs): Promise<Reply<unknown>> {
  if (ctx.bus.status !== 'connected') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'the message bus is disconnected');
  return ctx.bus.request<Reply<unknown>>(subject, payload, { timeoutMs });
}

/** Meters carry no owner in their id, so a restricted principal's meter command first reads the meter. */
async function assertMeterVisible(ctx: CommandContext, meterId: string): Promise<Reply<unknown> | undefined> {
  if (ctx.principal.org === null) return undefined;
  const r = await ask(ctx, ctx.subjects.meterGet(meterId), {});
  if ('error' in r) return r;
  if (!policy.owned(ctx.principal, ownershipOf(r.data))) throw forbidden(`meter ${meterId}`);
  return undefined;
}

export async function runCommand(ctx: CommandContext, name: CommandName, rawArgs: unknown): Promise<Reply<unknown>> {
  try {
    const parsed = ARGS[name].safeParse(rawArgs ?? {});
    if (!parsed.success) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `invalid arguments for ${name}`, {
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const s = ctx.subjects;
    const p = ctx.principal;
    switch (name) {
      case 'createInteraction': {
        const { meterId, ...body } = parsed.data as z.infer<typeof CreateInteractionArgs>;
        return (await assertMeterVisible(ctx, meterId)) ?? (await ask(ctx, s.meterCreateInteraction(meterId), body));
      }
      case 'getMeter': {
        const { meterId } = parsed.data as { meterId: string };
        const r = await ask(ctx, s.meterGet(meterId), {});
        if ('data' in r && !policy.owned(p, ownershipOf(r.data))) throw forbidden(`meter ${meterId}`);
        return r;
      }
      case 'getGrid': {
        const { gridId } = parsed.data as { gridId: string };
        if (!policy.grid(p, gridId)) throw forbidden(`grid ${gridId}`);
        const r = await ask(ctx, s.gridGet(gridId), {});
        if ('data' in r && !policy.owned(p, ownershipOf(r.data))) throw forbidden(`grid ${gridId}`);
        return r;
      }
      case 'pollPlant': {
        const { plantId } = parsed.data as { plantId: string };
        if (!policy.plant(p, plantId)) throw forbidden(`plant ${plantId}`);
        if (p.org !== null) {
          // A plant's organization is not in its id: read it first, as for meters.
          const g = await ask(ctx, s.plantGet(plantId), {});
          if ('error' in g) return g;
          if (!policy.owned(p, ownershipOf(g.data))) throw forbidden(`plant ${plantId}`);
        }
        // A manual poll answers when the poll is done (retries and a busy credential included).
        return await ask(ctx, s.plantPoll(plantId), {}, Math.max(ctx.timeoutMs, ctx.pollTimeoutMs ?? 0));
      }
      case 'ackAlert': {
        const { alertId } = parsed.data as { alertId: string };
        // The runtime owns the alert and checks that it belongs to the organization named here.
        return await ask(ctx, s.alertAck(alertId), { organizationId: p.org ?? undefined, by: p.sub });
      }
      case 'listAlerts': {
        const organizationId = (parsed.data as { organizationId?: string }).organizationId ?? p.org;
        if (!organizationId) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'organizationId is required');
        if (!policy.organization(p, organizationId)) throw forbidden(`organization ${organizationId}`);
        return await ask(ctx, s.alertsList(), { organizationId });
      }
    }
  } catch (e) {
    return fail(e instanceof GridtwinError ? e : toGridtwinError(e));
  }
}
