import { z } from 'zod';
import type { Bus } from '../../adapters/bus';
import { INTERACTION_TYPES } from '../../core/domain';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import { fail, type Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { authorize, natsHeadersOf, type Principal, type Role } from '../auth';
import { authorizeIds } from '../authz';

/**
 * The commands a WS client or an HTTP caller may send, mirrored onto the runtime's NATS subjects.
 * One catalogue for both transports: argument schema, the role it needs, what it touches, subject and payload.
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');

export const CreateInteractionArgs = z.object({
  meterId: id,
  type: z.enum(INTERACTION_TYPES),
  params: z.record(z.string(), z.unknown()).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  orderId: z.string().min(1).max(200).optional(),
}).strict();

export interface CommandContext {
  bus: Bus;
  subjects: Subjects;
  principal: Principal;
  timeoutMs: number;
  /** How long a manual plant poll may take (the poll's own deadline). */
  pollTimeoutMs?: number;
}

/** Asks the runtime; transport failures (TIMEOUT / UNAVAILABLE) become error replies. */
async function ask(ctx: CommandContext, subject: string, payload: unknown, timeoutMs = ctx.timeoutMs): Promise<Reply<unknown>> {
  if (ctx.bus.status !== 'connected') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'the message bus is disconnected');
  return ctx.bus.request<Reply<unknown>>(subject, payload, { timeoutMs, headers: natsHeadersOf(ctx.principal) });
}

interface Command<A> {
  args: z.ZodType<A>;
  role: Role;
  /** Checked before anything reaches the runtime: nothing is written for a refused token. */
  authorize(ctx: CommandContext, args: A): Promise<void>;
  run(ctx: CommandContext, args: A): Promise<Reply<unknown>>;
}
const command = <A>(c: Command<A>): Command<A> => c;

const CATALOGUE = {
  createInteraction: command({
    args: CreateInteractionArgs, role: 'operator',
    authorize: (ctx, a) => authorizeIds(ctx, 'operator', 'meter', [a.meterId]),
    run: (ctx, { meterId, ...body }) => ask(ctx, ctx.subjects.meterCreateInteraction(meterId), body),
  }),
  getMeter: command({
    args: z.object({ meterId: id }).strict(), role: 'viewer',
    authorize: (ctx, a) => authorizeIds(ctx, 'viewer', 'meter', [a.meterId]),
    run: (ctx, a) => ask(ctx, ctx.subjects.meterGet(a.meterId), {}),
  }),
  getGrid: command({
    args: z.object({ gridId: id }).strict(), role: 'viewer',
    authorize: (ctx, a) => authorizeIds(ctx, 'viewer', 'grid', [a.gridId]),
    run: (ctx, a) => ask(ctx, ctx.subjects.gridGet(a.gridId), {}),
  }),
  pollPlant: command({
    args: z.object({ plantId: id }).strict(), role: 'operator',
    authorize: (ctx, a) => authorizeIds(ctx, 'operator', 'plant', [a.plantId]),
    // A manual poll answers when the poll is done (retries and a busy credential included).
    run: (ctx, a) => ask(ctx, ctx.subjects.plantPoll(a.plantId), {}, Math.max(ctx.timeoutMs, ctx.pollTimeoutMs ?? 0)),
  }),
  ackAlert: command({
    args: z.object({ alertId: id }).strict(), role: 'operator',
    authorize: (ctx, a) => authorizeIds(ctx, 'operator', 'alert', [a.alertId]),
    // The runtime checks the organization named here again (the alert is its own).
    run: (ctx, a) => ask(ctx, ctx.subjects.alertAck(a.alertId), { organizationId: ctx.principal.org ?? undefined, by: ctx.principal.sub }),
  }),
  listAlerts: command({
    args: z.object({ organizationId: id.optional() }).strict(), role: 'viewer',
    authorize: async (ctx, a) => {
      const organizationId = a.organizationId ?? ctx.principal.org;
      if (!organizationId) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'organizationId is required');
      authorize(ctx.principal, 'viewer', { organizationId }, `alerts of organization ${organizationId}`);
    },
    run: (ctx, a) => ask(ctx, ctx.subjects.alertsList(), { organizationId: a.organizationId ?? ctx.principal.org }),
  }),
};

export type CommandName = keyof typeof CATALOGUE;
export const COMMAND_NAMES = Object.keys(CATALOGUE) as CommandName[];
export const isCommandName = (n: string): n is CommandName => Object.hasOwn(CATALOGUE, n);
/** The least role a command needs (documented in README's roles table; asserted by the tenant matrix). */
export const roleOf = (name: CommandName): Role => CATALOGUE[name].role;

export async function runCommand(ctx: CommandContext, name: CommandName, rawArgs: unknown): Promise<Reply<unknown>> {
  try {
    const c = CATALOGUE[name] as unknown as Command<unknown>;
    const parsed = c.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `invalid arguments for ${name}`, {
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    await c.authorize(ctx, parsed.data);
    return await c.run(ctx, parsed.data);
  } catch (e) {
    return fail(e instanceof GridtwinError ? e : toGridtwinError(e));
  }
}
