import type { Bus } from '../adapters/bus';
import { ErrorCode, GridtwinError } from '../core/errors';
import type { Reply } from '../core/reply';
import type { Subjects } from '../core/subjects';
import type { Owner, OwnerKind } from '../persistence';
import { authorize, natsHeadersOf, type Principal, type Role } from './auth';

/** What the gateway needs to ask the runtime who owns a resource. */
export interface AuthzContext {
  bus: Bus;
  subjects: Subjects;
  principal: Principal;
  timeoutMs: number;
}

/**
 * Authorizes a token on resources named by id, for every NATS-backed HTTP route and WS command or topic:
 *
 *   await authorizeIds(ctx, 'operator', 'meter', [meterId]);   // throws FORBIDDEN / NOT_FOUND, else allowed
 *
 * The owners come from the runtime (`owners.get`, one request for all ids); an id the runtime does not know
 * is NOT_FOUND. Organization-level resources (lists by organization) call `authorize` from ./auth directly
 * with `{organizationId}`.
 */
export async function authorizeIds(ctx: AuthzContext, need: Role, kind: OwnerKind, ids: readonly string[]): Promise<void> {
  return authorizeOwners(ctx, need, kind, ids, 'not-found');
}

/**
 * As `authorizeIds`, for ids a registry write may create: an id nobody has yet is allowed, an existing one must be
 * the caller's (an upsert never takes over another organization's grid, meter, DCU, plant, credential or ESCO).
 */
export async function authorizeIfExists(ctx: AuthzContext, need: Role, kind: OwnerKind, ids: readonly string[]): Promise<void> {
  return authorizeOwners(ctx, need, kind, ids, 'allowed');
}

async function authorizeOwners(ctx: AuthzContext, need: Role, kind: OwnerKind, ids: readonly string[], unknown: 'not-found' | 'allowed'): Promise<void> {
  const p = ctx.principal;
  // The anonymous demo operator owns everything; only its role is checked.
  if (p.org === null) return authorize(p, need, { organizationId: null }, kind);
  const { owners, refused } = await ownersOf(ctx, kind, ids);
  for (const id of ids) {
    // NATS auth mode `token`: the runtime names, but does not describe, what the forwarded token may not reach.
    if (refused?.includes(id)) throw new GridtwinError(ErrorCode.FORBIDDEN, `not allowed: ${kind} ${id} (another organization, or outside the token's grids, plants or ESCOs)`, { details: { role: p.role, need } });
    const o = owners[id];
    if (!o) {
      if (unknown === 'allowed') {
        authorize(p, need, { organizationId: p.org }, `${kind} ${id}`);
        continue;
      }
      throw new GridtwinError(ErrorCode.NOT_FOUND, `${kind} ${id} not found`);
    }
    authorize(p, need, o, `${kind} ${id}`);
  }
}

type OwnersReply = { owners: Record<string, Owner | undefined>; refused?: string[] };

async function ownersOf(ctx: AuthzContext, kind: OwnerKind, ids: readonly string[]): Promise<OwnersReply> {
  if (ctx.bus.status !== 'connected') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'the message bus is disconnected');
  const r = await ctx.bus.request<Reply<OwnersReply>>(ctx.subjects.ownersGet(), { kind, ids }, { timeoutMs: ctx.timeoutMs, headers: natsHeadersOf(ctx.principal) });
  if ('error' in r) throw new GridtwinError(r.error.code, r.error.message, { details: r.error.details });
  return r.data;
}
