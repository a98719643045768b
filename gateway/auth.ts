import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Config } from '../core/config';
import { ErrorCode, GridtwinError } from '../core/errors';

/**
 * Who is on the other end of a socket or HTTP request. `org: null` is the anonymous demo operator
 * (standalone only), who may see everything; otherwise `grids` / `plants` / `escos`, when present,
 * narrow what the organization's user may see.
 */
export interface Principal {
  sub: string;
  org: string | null;
  grids?: readonly string[];
  plants?: readonly string[];
  escos?: readonly string[];
  /** Token expiry, epoch seconds (sockets are closed then). */
  exp?: number;
  anonymous: boolean;
}

const ClaimsSchema = z.object({
  sub: z.string().optional(),
  org: z.string().min(1),
  grids: z.array(z.string()).optional(),
  plants: z.array(z.string()).optional(),
  escos: z.array(z.string()).optional(),
  exp: z.number().optional(),
});

export const ANONYMOUS_OPERATOR: Principal = Object.freeze({ sub: 'anonymous', org: null, anonymous: true });

/** Where a token may travel: `Authorization: Bearer`, `?token=`, or a `bearer.<jwt>` WebSocket subprotocol. */
export interface TokenSources {
  authorization: string;
  query: string;
  protocols: string;
}

export const BEARER_PROTOCOL_PREFIX = 'bearer.';

export function extractToken(src: TokenSources): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(src.authorization.trim());
  if (m) return m[1];
  const q = new URLSearchParams(src.query).get('token');
  if (q) return q;
  for (const p of src.protocols.split(',')) {
    const proto = p.trim();
    if (proto.startsWith(BEARER_PROTOCOL_PREFIX)) return proto.slice(BEARER_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

export interface Authenticator {
  /** Resolves the principal for a request; rejects with UNAUTHORIZED. */
  authenticate(token: string | undefined): Promise<Principal>;
}

export function createAuthenticator(gateway: Config['gateway']): Authenticator {
  const secret = gateway.jwtSecret ? new TextEncoder().encode(gateway.jwtSecret) : undefined;
  const jwks = gateway.jwksUrl ? createRemoteJWKSet(new URL(gateway.jwksUrl)) : undefined;

  async function verify(token: string): Promise<JWTPayload> {
    if (secret) return (await jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
    if (jwks) return (await jwtVerify(token, jwks)).payload;
    throw new GridtwinError(ErrorCode.UNAUTHORIZED, 'no token verification configured (jwtSecret or jwksUrl)');
  }

  return {
    async authenticate(token) {
      if (!token) {
        if (gateway.allowAnonymous) return ANONYMOUS_OPERATOR;
        throw new GridtwinError(ErrorCode.UNAUTHORIZED, 'missing token');
      }
      let payload: JWTPayload;
      try {
        payload = await verify(token);
      } catch (e) {
        if (e instanceof GridtwinError) throw e;
        const message = e instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
        throw new GridtwinError(ErrorCode.UNAUTHORIZED, message, { cause: e });
      }
      const claims = ClaimsSchema.safeParse(payload);
      if (!claims.success) throw new GridtwinError(ErrorCode.UNAUTHORIZED, 'token lacks the org claim');
      const c = claims.data;
      return { sub: c.sub ?? 'unknown', org: c.org, grids: c.grids, plants: c.plants, escos: c.escos, exp: c.exp, anonymous: false };
    },
  };
}

const within = (list: readonly string[] | undefined, id: string) => list === undefined || list.includes(id);

/** The ownership facts a reply or snapshot reveals about an entity (when the runtime includes them). */
export interface Ownership {
  organizationId?: string;
  gridId?: string | null;
}

/** Policy: an organization sees its own entities; grid/plant/esco claims narrow that further. */
export const policy = {
  grid: (p: Principal, gridId: string) => within(p.grids, gridId),
  plant: (p: Principal, plantId: string) => within(p.plants, plantId),
  organization: (p: Principal, orgId: string) => p.org === null || p.org === orgId,
  esco: (p: Principal, esco: string) => (p.escos ? p.escos.includes(esco) : p.org === null || p.org === esco),
  owned(p: Principal, o: Ownership): boolean {
    if (o.organizationId !== undefined && !policy.organization(p, o.organizationId)) return false;
    if (p.grids && o.gridId !== undefined && (o.gridId === null || !p.grids.includes(o.gridId))) return false;
    return true;
  },
};
