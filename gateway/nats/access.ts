import type { BusMsg, Endpoint } from '../../adapters/bus';
import { encodeJson } from '../../adapters/bus/types';
import type { Config } from '../../core/config';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { fail } from '../../core/reply';
import type { Family } from '../../core/subjects';
import { ownersRepo, registryRepo, type Database, type OwnerKind } from '../../persistence';
import { NATS_AUTH_HEADER, authorize, createAuthenticator, extractToken, type Authenticator, type Principal, type Role } from '../auth';
import { claimsToBeNodeToken, nodeTokenKey, verifyNodeToken, type NodePrincipal } from '../nodeToken';
import type { Access, DeclaredEndpoint, IdSource, Touch } from './declaration';
import { parseBody } from './endpoint';

export type { Access, DeclaredEndpoint, IdSource, Touch } from './declaration';

/**
 * Authorization of the NATS request/reply API (issue 11). Every endpoint DECLARES what it touches; in NATS auth
 * mode `token` the declaration is enforced with the same rule as HTTP and WS (gateway/auth.ts `authorize`), the
 * owners read from the database here (no bus round trip). In mode `trusted` (the default: gridtwin embedded in
 * one operator's NATS account) the declaration is published in $SRV.INFO and nothing is checked.
 */

/** $SRV.INFO metadata key carrying each endpoint's declaration. */
export const ACCESS_METADATA_KEY = 'gridtwin.access';

const describeSource = (f: IdSource): string =>
  'subject' in f ? `subject ${f.subject.spec} {${f.id}}`
    : 'bodyList' in f ? `body.${f.bodyList}[]`
      : 'meterByExternalReference' in f ? `meter with body.${f.meterByExternalReference} as external reference`
        : `body.${f.body}${f.optional ? ' (optional)' : ''}`;

/** The declaration in words, as $SRV.INFO shows it (`role …; touches …; organization …`). */
export function describeAccess(a: Access): string {
  if ('notPerOrganization' in a) return `not per organization: ${a.notPerOrganization}`;
  if ('replyLimitedToToken' in a) return `role ${a.role}; reply limited to the token: ${a.replyLimitedToToken}`;
  const parts = [`role ${a.role}`, ...a.touches.map((t) => `${t.kind} from ${describeSource(t.from)}${t.mayBeNew ? ' (may be new)' : ''}`)];
  if (a.organization) parts.push(`organization from body.${a.organization} (default: the token's)`);
  if (a.node) parts.push(`node token: ${a.node}`);
  return parts.join('; ');
}

/** Which requests are checked: none (`trusted`) or every one (`token`). */
export interface NatsGuard {
  mode: Config['nats']['auth'];
  authenticator?: Authenticator;
  /** Verifies node tokens (a cluster in mode `token`); without it a node token is refused like any token without `org`. */
  nodeKey?: Uint8Array;
  db: Database;
  logger?: Logger;
}

export function createNatsGuard(config: Config, db: Database, logger?: Logger): NatsGuard {
  if (config.nats.auth === 'trusted') return { mode: 'trusted', db };
  // A NATS request never stands for the anonymous demo operator.
  return { mode: 'token', db, logger, authenticator: createAuthenticator({ ...config.gateway, allowAnonymous: false }), nodeKey: nodeTokenKey(config) };
}

const PRINCIPALS = new WeakMap<BusMsg, Principal>();
/** The principal of a request an access guard let through (undefined in mode `trusted`). */
export const principalOf = (m: BusMsg): Principal | undefined => PRINCIPALS.get(m);

/** The endpoints with their declarations in $SRV.INFO and, in mode `token`, behind the check. */
export function guardEndpoints(guard: NatsGuard, prefix: string, endpoints: readonly DeclaredEndpoint[]): Endpoint[] {
  return endpoints.map(({ access, ...e }) => ({
    ...e,
    metadata: { ...e.metadata, [ACCESS_METADATA_KEY]: describeAccess(access) },
    handler: guard.mode === 'trusted' ? e.handler : async (m: BusMsg) => {
      let allowed: BusMsg;
      try {
        allowed = await admit(guard, prefix, access, m);
      } catch (err) {
        const refusal = toGridtwinError(err);
        if (refusal.code === ErrorCode.INTERNAL) guard.logger?.error({ subject: m.subject, err }, 'NATS authorization failed');
        m.respond(fail(refusal));
        return;
      }
      await e.handler(allowed);
    },
  }));
}

/** Authenticates and authorizes one request; returns the message to run (its organization filled in when declared). */
async function admit(guard: NatsGuard, prefix: string, access: Access, m: BusMsg): Promise<BusMsg> {
  const token = extractToken({ authorization: m.header?.(NATS_AUTH_HEADER) ?? '', query: '', protocols: '' });
  if (!token) throw new GridtwinError(ErrorCode.UNAUTHORIZED, `missing token: send ${NATS_AUTH_HEADER}: Bearer <jwt> as a NATS header`);
  if (guard.nodeKey && claimsToBeNodeToken(token)) return admitNode(await verifyNodeToken(token, guard.nodeKey), access, m.subject.slice(prefix.length + 1), m);
  const p = await guard.authenticator!.authenticate(token);
  if ('notPerOrganization' in access) return m;
  authorize(p, access.role, { organizationId: p.org }, m.subject.slice(prefix.length + 1));
  if ('replyLimitedToToken' in access) return withPrincipal(m, p);
  const body = parseBody(m);
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const named = await touched(guard.db, access.touches, m.subject, fields);
  for (const [kind, ids] of named) {
    const owners = await ownersRepo.lookup(guard.db.sql, kind, ids.map((x) => x.id));
    for (const { id, mayBeNew } of ids) {
      const o = owners.get(id);
      if (!o) {
        if (mayBeNew) continue;
        throw new GridtwinError(ErrorCode.NOT_FOUND, `${kind} ${id} not found`);
      }
      authorize(p, access.role, o, `${kind} ${id}`);
    }
  }
  let out = m;
  if (access.organization) {
    const given = fields[access.organization];
    if (given !== undefined && given !== null) {
      if (typeof given !== 'string') throw invalidField(access.organization, 'must be a string');
      authorize(p, access.role, { organizationId: given }, `organization ${given}`);
    } else if (p.org !== null && fields === body) {
      out = withBody(m, { ...fields, [access.organization]: p.org });
    }
    // A token narrowed to grids, plants or ESCOs sees no organization-wide answer: it names what it may reach.
    if ((p.grids || p.plants || p.escos) && named.size === 0) {
      throw new GridtwinError(ErrorCode.FORBIDDEN, `not allowed: ${m.subject.slice(prefix.length + 1)} (a token limited to grids, plants or ESCOs must name one of them)`, { details: { role: p.role, need: access.role } });
    }
  }
  return withPrincipal(out, p);
}

/** A node's own request: only on an endpoint that declares why a node needs it; no organization is checked (a node has none). */
function admitNode(n: NodePrincipal, access: Access, what: string, m: BusMsg): BusMsg {
  if ('role' in access && 'touches' in access && access.node) return m;
  throw new GridtwinError(ErrorCode.FORBIDDEN, `not allowed: ${what} (a node token is accepted only where a node's own requests go)`, { details: { node: n.node } });
}

const invalidField = (field: string, message: string) =>
  new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid request', { details: [{ path: field, message }] });

/** The ids a request names, by kind (a missing required one is refused before anything runs). */
async function touched(db: Database, touches: readonly Touch[], subject: string, body: Record<string, unknown>): Promise<Map<OwnerKind, Array<{ id: string; mayBeNew: boolean }>>> {
  const out = new Map<OwnerKind, Array<{ id: string; mayBeNew: boolean }>>();
  const add = (kind: OwnerKind, id: string, mayBeNew = false) => out.set(kind, [...(out.get(kind) ?? []), { id, mayBeNew }]);
  for (const t of touches) {
    const f = t.from;
    if ('subject' in f) {
      add(t.kind, (f.subject.ids(subject) as Record<string, string>)[f.id]!, t.mayBeNew);
    } else if ('bodyList' in f) {
      const list = body[f.bodyList];
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw invalidField(f.bodyList, 'must be a list of ids');
      for (const id of list as string[]) add(t.kind, id, t.mayBeNew);
    } else {
      const field = 'body' in f ? f.body : f.meterByExternalReference;
      const v = body[field];
      if (v === undefined && 'body' in f && f.optional) continue;
      if (typeof v !== 'string') throw invalidField(field, v === undefined ? 'is required' : 'must be a string');
      if ('body' in f) {
        add(t.kind, v, t.mayBeNew);
      } else {
        const meterId = await registryRepo.findMeterIdByExternalReference(db.sql, v);
        if (!meterId) throw new GridtwinError(ErrorCode.NOT_FOUND, `no meter with external reference ${v.slice(0, 128)}`);
        add('meter', meterId);
      }
    }
  }
  return out;
}

/**
 * The same request as a new message (bus messages may be class instances: spreading one would lose its methods):
 * `data` replaces the body when given; `hops` of a forwarded request is kept.
 */
function derived(m: BusMsg, data?: Uint8Array): BusMsg {
  const out: BusMsg & { hops?: number } = {
    subject: m.subject,
    reply: m.reply,
    data: data ?? m.data,
    json: <T>() => (data ? (JSON.parse(Buffer.from(data).toString('utf8')) as T) : m.json<T>()),
    header: (name: string) => m.header?.(name),
    respond: (payload: unknown) => m.respond(payload),
  };
  const hops = (m as { hops?: number }).hops;
  if (hops !== undefined) out.hops = hops;
  return out;
}

const withBody = (m: BusMsg, body: Record<string, unknown>): BusMsg => derived(m, encodeJson(body));

function withPrincipal(m: BusMsg, p: Principal): BusMsg {
  const out = derived(m);
  PRINCIPALS.set(out, p);
  return out;
}

/** A resource named by an id of the subject (`inSubject('meter', s.meterGet, 'meterId')`). */
export const inSubject = <N extends readonly string[]>(kind: OwnerKind, family: Family<N>, id: N[number]): Touch => ({ kind, from: { subject: family as unknown as Family, id } });
/** A resource named by a body field (`optional` for list filters, `mayBeNew` for upserts). */
export const inBody = (kind: OwnerKind, field: string, o: { optional?: boolean; mayBeNew?: boolean } = {}): Touch =>
  ({ kind, from: { body: field, ...(o.optional ? { optional: true } : {}) }, ...(o.mayBeNew ? { mayBeNew: true } : {}) });
/** An organization-level list or aggregate (role viewer): the organization in the body, the token's by default, and its optional resource filters. */
export const organizationList = (...filters: Array<[OwnerKind, string]>): Access =>
  ({ role: 'viewer', touches: filters.map(([kind, field]) => inBody(kind, field, { optional: true })), organization: 'organizationId' });
