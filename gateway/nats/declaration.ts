import type { Endpoint } from '../../adapters/bus';
import type { Family } from '../../core/subjects';
import type { OwnerKind } from '../../persistence';
import type { Role } from '../auth';

/**
 * What a NATS endpoint declares about the data it touches (gateway/nats/access.ts enforces it in NATS auth mode
 * `token` and publishes it in $SRV.INFO). Its own file so that the endpoint factory can require it.
 */

/** Where an id comes from: an id of the subject, a body field, a list in the body, or a meter's external reference. */
export type IdSource =
  | { subject: Family; id: string }
  | { body: string; optional?: boolean }
  | { bodyList: string }
  | { meterByExternalReference: string };

/** A resource a request touches; `mayBeNew` for upserts (an id nobody has yet is free to take). */
export interface Touch {
  kind: OwnerKind;
  from: IdSource;
  mayBeNew?: boolean;
}

export type Access =
  /**
   * Resources of organizations: every touched resource must exist (unless `mayBeNew`) and be reachable by the token
   * with `role`; `organization` names the body field holding an organization id, checked too, and set to the token's
   * organization when absent (lists and writes of an organization's caller stay in its organization).
   */
  | {
    role: Role; touches: readonly Touch[]; organization?: string;
    /**
     * Why a cluster node's own requests need this endpoint: only then does it accept a node token (gateway/nodeToken.ts),
     * which stands for no organization and skips the checks above. Absent everywhere a node has no business.
     */
    node?: string;
  }
  /** Any token with `role`; the handler itself limits its reply to what the token may see (`principalOf`). */
  | { role: Role; replyLimitedToToken: string }
  /** Not about any organization's data (the reason is published). */
  | { notPerOrganization: string };

/** An endpoint as the NATS services declare it: nothing is served without an access declaration. */
export interface DeclaredEndpoint extends Endpoint {
  access: Access;
}
