import { ErrorCode, GridtwinError } from '../../core/errors';
import type { OwnerKind } from '../../persistence';
import { authorize, type Role } from '../auth';
import { authorizeIds, authorizeIfExists, type AuthzContext } from '../authz';

/**
 * What a route touches, for the one authorization rule (gateway/auth.ts `authorize`, gateway/authz.ts
 * `authorizeIds`): the role comes from the route, the owners from the runtime (`owners.get`).
 */
export type Access =
  /** A resource named by the first path parameter, or by a body field. */
  | { kind: 'resource'; owner: OwnerKind; bodyField?: string }
  /** Lists and aggregates: an organization's caller sees its own organization only; grid/plant filters are checked too. */
  | { kind: 'organization' }
  /** A batch: every meter it names, and its organization. */
  | { kind: 'batch' }
  /** Across organizations (an uplink addressed by external reference): fleet-wide tokens only. */
  | { kind: 'fleet' }
  /**
   * Registry writes: the organization the body (or the path, for organizations) names, or the grid's; the resource
   * the path names (`self`) and the ones the body refers to (`refs`: body field and kind) must be the caller's when
   * they exist, so an upsert never takes over or ties itself to another organization's resource.
   */
  | { kind: 'registry'; owner: 'organizationId' | 'id' | 'grid'; self: OwnerKind; refs?: ReadonlyArray<readonly [string, OwnerKind]> };

/** List filters that name an organization's resource: each is checked as that resource (a foreign one is FORBIDDEN). */
const FILTER_OWNERS = [['gridId', 'grid'], ['plantId', 'plant'], ['meterId', 'meter'], ['esco', 'esco']] as const;

/** The role check alone, before anything is parsed: a viewer's command is refused as such, whatever its body. */
export function authorizeRole(ctx: AuthzContext, need: Role, what: string): void {
  authorize(ctx.principal, need, { organizationId: ctx.principal.org }, what);
}

/** Checks the caller may make this request; returns the input to send, with an organization's caller pinned to its own organization. */
export async function authorizeRoute(ctx: AuthzContext, need: Role, access: Access, params: Record<string, string>, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const p = ctx.principal;
  const first = Object.values(params)[0] ?? '';
  switch (access.kind) {
    case 'resource':
      await authorizeIds(ctx, need, access.owner, [access.bodyField ? String(input[access.bodyField] ?? '') : first]);
      return input;
    case 'organization': {
      const organizationId = (input.organizationId as string | undefined) ?? p.org ?? undefined;
      if (organizationId !== undefined) authorize(p, need, { organizationId }, `organization ${organizationId}`);
      // A token narrowed to grids, plants or ESCOs lists through one of them: without a filter the list would be the
      // whole organization's (the same rule as NATS auth mode `token`).
      if ((p.grids || p.plants || p.escos) && !FILTER_OWNERS.some(([field]) => typeof input[field] === 'string')) {
        throw new GridtwinError(ErrorCode.FORBIDDEN, 'not allowed: a token limited to grids, plants or ESCOs lists through one of them (gridId, plantId, meterId or esco filter)');
      }
      for (const [field, kind] of FILTER_OWNERS) {
        if (typeof input[field] === 'string') await authorizeIds(ctx, need, kind, [input[field]]);
      }
      return organizationId === undefined ? input : { ...input, organizationId };
    }
    case 'batch': {
      const organizationId = (input.organizationId as string | undefined) ?? p.org ?? undefined;
      if (organizationId !== undefined) authorize(p, need, { organizationId }, `organization ${organizationId}`);
      await authorizeIds(ctx, need, 'meter', (input.meterIds ?? []) as string[]);
      return organizationId === undefined ? input : { ...input, organizationId };
    }
    case 'fleet':
      authorize(p, need, { organizationId: undefined }, 'a request across organizations (use the per-meter route)');
      return input;
    case 'registry': {
      await authorizeRegistryOwner(ctx, need, access.owner, first, input);
      await authorizeIfExists(ctx, need, access.self, [first]);
      for (const [field, kind] of access.refs ?? []) {
        if (typeof input[field] === 'string') await authorizeIfExists(ctx, need, kind, [input[field]]);
      }
      return input;
    }
  }
}

/** The organization a registry write puts its resource in: named by the body, by the path (organizations) or by its grid. */
async function authorizeRegistryOwner(ctx: AuthzContext, need: Role, owner: 'organizationId' | 'id' | 'grid', first: string, input: Record<string, unknown>): Promise<void> {
  const p = ctx.principal;
  if (owner === 'grid') {
    const gridId = input.gridId as string | undefined;
    const organizationId = input.organizationId as string | undefined;
    if (gridId) await authorizeIds(ctx, need, 'grid', [gridId]);
    if (organizationId) authorize(p, need, { organizationId }, `organization ${organizationId}`);
    if (!gridId && !organizationId && p.org !== null) {
      throw new GridtwinError(ErrorCode.FORBIDDEN, 'not allowed: name the gridId or organizationId this belongs to');
    }
    return;
  }
  const organizationId = owner === 'id' ? first : (input.organizationId as string | undefined);
  authorize(p, need, { organizationId }, `organization ${organizationId ?? '(none)'}`);
}
