import { SignJWT, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../core/config';
import { ErrorCode, GridtwinError } from '../core/errors';
import { NATS_AUTH_HEADER, NODE_CLAIM } from './auth';

/**
 * Node tokens (NATS auth mode `token` in a cluster): the requests a node makes on its own — an uplink it heard,
 * delivered to the meter's owner; a sweep's sync of a meter another node owns — carry a short-lived HS256 JWT the
 * node mints itself with a secret all nodes share. Such a token names the node, not a person or an organization, and
 * an endpoint accepts it only when its access declaration says why a node needs it (`Access.node`). Requests a node
 * makes for a caller (a batch's fan-out, a forward to the owner) carry the caller's own token instead.
 */
export const NODE_TOKEN = {
  issuer: 'gridtwin-node',
  audience: 'gridtwin-cluster',
  /** The claim naming the node; a caller token carrying it is refused (gateway/auth.ts). */
  claim: NODE_CLAIM,
  lifetimeSec: 300,
  /** A node mints a new token when its current one has less than this left (clock skew between nodes included). */
  renewBeforeSec: 60,
  /** Clock skew accepted between the minting and the verifying node. */
  clockToleranceSec: 30,
} as const;

/** The node that made a request (authenticated by a node token). */
export interface NodePrincipal {
  node: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** The key node tokens are signed and verified with: `cluster.nodeSecret`, else `gateway.jwtSecret`; none outside `token` + cluster. */
export function nodeTokenKey(config: Config): Uint8Array | undefined {
  if (config.nats.auth !== 'token' || !config.cluster.enabled) return undefined;
  const secret = config.cluster.nodeSecret ?? config.gateway.jwtSecret;
  return secret === undefined ? undefined : new TextEncoder().encode(secret);
}

/** A node token for `nodeId`, valid `lifetimeSec` from `nowSec`. */
export async function mintNodeToken(key: Uint8Array, nodeId: string, nowSec: number, lifetimeSec: number = NODE_TOKEN.lifetimeSec): Promise<string> {
  return new SignJWT({ [NODE_TOKEN.claim]: nodeId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(NODE_TOKEN.issuer)
    .setAudience(NODE_TOKEN.audience)
    .setSubject(`node:${nodeId}`)
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + lifetimeSec)
    .sign(key);
}

/** Whether a token claims to be a node token (unverified: it only picks the verifier; `verifyNodeToken` decides). */
export function claimsToBeNodeToken(token: string): boolean {
  try {
    return decodeJwt(token).iss === NODE_TOKEN.issuer;
  } catch {
    return false;
  }
}

const unauthorized = (message: string, cause?: unknown) => new GridtwinError(ErrorCode.UNAUTHORIZED, message, cause === undefined ? {} : { cause });

/**
 * The node a node token names; UNAUTHORIZED when it is forged (another key), expired, issued for longer than a node
 * token lives, or lacks the node claim. `nowSec` for tests.
 */
export async function verifyNodeToken(token: string, key: Uint8Array, nowSec?: number): Promise<NodePrincipal> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'], issuer: NODE_TOKEN.issuer, audience: NODE_TOKEN.audience, requiredClaims: ['exp', 'iat', NODE_TOKEN.claim],
      // A token minted for longer than a node's own would not come from a node.
      maxTokenAge: NODE_TOKEN.lifetimeSec, clockTolerance: NODE_TOKEN.clockToleranceSec,
      ...(nowSec === undefined ? {} : { currentDate: new Date(nowSec * 1000) }),
    }));
  } catch (e) {
    throw unauthorized(e instanceof joseErrors.JWTExpired ? 'node token expired' : 'invalid node token', e);
  }
  const node = payload[NODE_TOKEN.claim];
  if (typeof node !== 'string' || !node || payload.exp! - payload.iat! > NODE_TOKEN.lifetimeSec) throw unauthorized('invalid node token');
  return { node, exp: payload.exp! };
}

/**
 * This node's credential for its own requests: one token at a time, minted on first use and again when less than
 * `renewBeforeSec` is left. The token stays in here (never logged: only the headers object carries it to the bus).
 */
export class NodeCredential {
  private current: { token: Promise<string>; exp: number } | null = null;

  constructor(private readonly key: Uint8Array, readonly nodeId: string, private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000)) {}

  /** The NATS headers of a request this node makes on its own. */
  async headers(): Promise<Record<string, string>> {
    const now = this.nowSec();
    if (!this.current || this.current.exp - now < NODE_TOKEN.renewBeforeSec) {
      const token = mintNodeToken(this.key, this.nodeId, now);
      this.current = { token, exp: now + NODE_TOKEN.lifetimeSec };
      token.catch(() => { if (this.current?.token === token) this.current = null; });
    }
    return { [NATS_AUTH_HEADER]: `Bearer ${await this.current.token}` };
  }
}
