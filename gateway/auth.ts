import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Config } from '../core/config';
import { ErrorCode, GridtwinError } from '../core/errors';

/**
 * Roles, weakest first: `viewer` reads and subscribes, `operator` also commands meters and plants and
 * acks alerts, `admin` also manages the registry, credentials and settings. A token without `role` is a
 * viewer (the safe default).
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_ROLE: Role = 'viewer';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Who is on the other end of a socket or HTTP request. `org: null` is the anonymous demo operator
 * (standalone only, an admin of everything); otherwise the principal acts for one organization with one
 * role, and `grids` / `plants` / `escos`, when present, narrow what it may reach.
 */
export interface Principal {
  sub: string;
  org: string | null;
  role: Role;
  grids?: readonly string[];
  plants?: readonly string[];
  escos?: readonly string[];
  /** Token expiry, epoch seconds (sockets are closed then). */
  exp?: number;
  anonymous: boolean;
  /** The token itself, forwarded to the NATS API as a header (non-enumerable: never logged or serialized). */
  readonly credential?: string;
}

/** The NATS header that carries a token to the NATS API (NATS auth mode `token`). */
export const NATS_AUTH_HEADER = 'Authorization';

/**
 * The headers of a request the gateway makes for `p`: its own token, so the NATS API authorizes the caller again
 * (in mode `token`; mode `trusted` ignores it). Nothing else: there is no header that would skip the check.
 */
export const natsHeadersOf = (p: Principal): Record<string, string> | undefined =>
  p.credential ? { [NATS_AUTH_HEADER]: `Bearer ${p.credential}` } : undefined;

/** The claim naming a cluster node in a node token (gateway/nodeToken.ts): never a caller's. */
export const NODE_CLAIM = 'gridtwin_node';

const withCredential = (p: Principal, token: string): Principal => Object.defineProperty(p, 'credential', { value: token, enumerable: false });

const ClaimsSchema = z.object({
  sub: z.string().optional(),
  org: z.string().min(1),
  role: z.enum(ROLES).optional(),
  grids: z.array(z.string()).optional(),
  plants: z.array(z.string()).optional(),
  escos: z.array(z.string()).optional(),
  exp: z.number().optional(),
});

export const ANONYMOUS_OPERATOR: Principal = Object.freeze({ sub: 'anonymous', org: null, role: 'admin', anonymous: true });

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
  /**
   * The principal for a token; throws (or rejects) UNAUTHORIZED. Anonymous and HS256 tokens are answered
   * synchronously, so a WebSocket upgrade completes inside uWS's own upgrade handler; only a JWKS lookup
   * returns a promise.
   */
  authenticate(token: string | undefined): Principal | Promise<Principal>;
}

const unauthorized = (message: string, cause?: unknown) => new GridtwinError(ErrorCode.UNAUTHORIZED, message, cause === undefined ? {} : { cause });

const b64json = (part: string): unknown => {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (e) {
    throw unauthorized('invalid token', e);
  }
};

/**
 * Verifies a compact HS256 JWS with node:crypto (RFC 7515 §5.2, RFC 7519 §7.2): header `alg` HS256 and no
 * `crit`, constant-time signature check, then `exp` / `nbf` as NumericDate seconds without leeway (as jose).
 */
export function verifyHs256(token: string, secret: Buffer, nowSec = Date.now() / 1000): JWTPayload {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw unauthorized('invalid token');
  const [h, p, sig] = parts as [string, string, string];
  const header = b64json(h) as Record<string, unknown> | null;
  if (!header || typeof header !== 'object' || header.alg !== 'HS256') throw unauthorized('invalid token');
  if (header.crit !== undefined) throw unauthorized('invalid token');
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('invalid token');
  const payload = b64json(p) as JWTPayload | null;
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw unauthorized('invalid token');
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (payload[claim] !== undefined && (typeof payload[claim] !== 'number' || !Number.isFinite(payload[claim]))) throw unauthorized('invalid token');
  }
  if (payload.exp !== undefined && payload.exp <= nowSec) throw unauthorized('token expired');
  if (payload.nbf !== undefined && payload.nbf > nowSec) throw unauthorized('token not yet valid');
  return payload;
}

function principalOf(payload: JWTPayload): Principal {
  // A node token is verified by the NATS guard, and only on the endpoints a node needs; never as a caller.
  if (payload[NODE_CLAIM] !== undefined) throw unauthorized('a node token is not a caller token');
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success) {
    const roleIssue = claims.error.issues.some((i) => i.path[0] === 'role');
    throw unauthorized(roleIssue ? `token role must be one of ${ROLES.join(', ')}` : 'token lacks the org claim');
  }
  const c = claims.data;
  return { sub: c.sub ?? 'unknown', org: c.org, role: c.role ?? DEFAULT_ROLE, grids: c.grids, plants: c.plants, escos: c.escos, exp: c.exp, anonymous: false };
}

export function createAuthenticator(gateway: Config['gateway']): Authenticator {
  const secret = gateway.jwtSecret ? Buffer.from(gateway.jwtSecret, 'utf8') : undefined;
  const jwks = gateway.jwksUrl ? createRemoteJWKSet(new URL(gateway.jwksUrl)) : undefined;

  async function viaJwks(token: string, keys: NonNullable<typeof jwks>): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(token, keys)).payload;
    } catch (e) {
      throw unauthorized(e instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token', e);
    }
    return principalOf(payload);
  }

  return {
    authenticate(token) {
      if (!token) {
        if (gateway.allowAnonymous) return ANONYMOUS_OPERATOR;
        throw unauthorized('missing token');
      }
      if (secret) return withCredential(principalOf(verifyHs256(token, secret)), token);
      if (jwks) return viaJwks(token, jwks).then((p) => withCredential(p, token));
      throw unauthorized('no token verification configured (jwtSecret or jwksUrl)');
    },
  };
}

/** What the runtime knows of a resource's owner (`owners.get`); `gridId` only for grid-bound kinds. */
export interface Ownership {
  organizationId: string | null | undefined;
  gridId?: string | null;
  plantId?: string;
  esco?: string;
}

/**
 * THE authorization rule, for every HTTP route and WS topic or command: may `p` act with at least `need`
 * on a resource owned as `o`? Throws a typed FORBIDDEN; returns nothing when allowed.
 *
 *   authorize(principal, 'operator', await ownersOf(ctx, 'meter', meterId), `meter ${meterId}`)
 *
 * Deny by default: an unknown organization is never allowed (except to the anonymous demo operator, who
 * owns everything); a grid-limited token reaches only its grids, so never a meter without a grid.
 */
export function authorize(p: Principal, need: Role, o: Ownership, what: string): void {
  const deny = (why: string) => new GridtwinError(ErrorCode.FORBIDDEN, `not allowed: ${what} (${why})`, { details: { role: p.role, need } });
  if (RANK[p.role] < RANK[need]) throw deny(`needs role ${need}`);
  if (p.org === null) return;
  if (!o.organizationId) throw deny('no owning organization');
  if (o.organizationId !== p.org) throw deny('another organization');
  if (p.grids && o.gridId !== undefined && (o.gridId === null || !p.grids.includes(o.gridId))) throw deny('outside the token\'s grids');
  if (p.plants && o.plantId !== undefined && !p.plants.includes(o.plantId)) throw deny('outside the token\'s plants');
  if (p.escos && o.esco !== undefined && !p.escos.includes(o.esco)) throw deny('outside the token\'s ESCOs');
}

/** True when `authorize` would allow (for filters that hide rather than refuse). */
export function allows(p: Principal, need: Role, o: Ownership): boolean {
  try {
    authorize(p, need, o, '');
    return true;
  } catch {
    return false;
  }
}
