import type { InteractionStatus, InteractionType } from '../../../core/domain';
import type { MeterContext } from '../../../persistence';
import { HOUR_MS } from '../../../core/time';

/** Versions of Calin API v1 meters that cannot do some reads (from the origin's gatekeeper). */
const CALIN_V1_UNSUPPORTED: Array<{ version: string; types: InteractionType[]; reason: string }> = [
  { version: '2F6B4584', types: ['READ_POWER_LIMIT'], reason: 'Meter version "2F6B4584" does not support reading the power limit' },
];

export interface GatekeeperInput {
  type: InteractionType;
  /** DEFERRED is never re-adjudicated: commissioning steps wait for their turn. */
  requested?: InteractionStatus;
  fromCommissioning?: boolean;
  isRetry?: boolean;
}

export interface GatekeeperLimits {
  abortWhenNotSeenForMs: number;
  deferWhenNotSeenForMs: number;
}

export interface Verdict {
  status: Extract<InteractionStatus, 'QUEUED' | 'SUSPENDED' | 'DEFERRED' | 'ABORTED'>;
  reason?: string;
}

/**
 * The gatekeeper: QUEUED unless the world says otherwise.
 * - SUSPENDED: the grid is down; a LoRaWAN meter's gateways are all offline; an API meter's DCU is offline.
 * - DEFERRED: a commissioning step for a meter not seen within `deferWhenNotSeenForMs` (retries pass).
 * - ABORTED: a meter not seen for `abortWhenNotSeenForMs` (LoRaWAN meters never seen count as not seen);
 *   a Calin v1 meter version that cannot do the request.
 */
export function adjudicate(input: GatekeeperInput, ctx: Pick<MeterContext, 'meter' | 'grid' | 'dcus'>, limits: GatekeeperLimits, now: number): Verdict {
  if (input.requested === 'DEFERRED') return { status: 'DEFERRED', reason: 'Waiting for the previous commissioning step' };
  const { meter } = ctx;
  if (ctx.grid && !ctx.grid.isOnline && meter.protocol !== 'EMLITE') {
    return { status: 'SUSPENDED', reason: 'The grid is not energised. Holding off until power is restored' };
  }
  if (meter.protocol === 'CALIN_LORAWAN' && ctx.dcus.length > 0 && ctx.dcus.every((d) => !d.isOnline)) {
    return { status: 'SUSPENDED', reason: 'All LoRaWAN gateways are offline. Holding off until connectivity is restored' };
  }
  if ((meter.protocol === 'CALIN_V1' || meter.protocol === 'CALIN_V2') && meter.dcuId) {
    const dcu = ctx.dcus.find((d) => d.id === meter.dcuId);
    if (dcu && !dcu.isOnline) return { status: 'SUSPENDED', reason: "This meter's gateway is offline. Holding off until connectivity is restored" };
  }
  const lastSeen = meter.lastSeenAt ? Date.parse(meter.lastSeenAt) : null;
  const sinceSeen = lastSeen === null ? Number.POSITIVE_INFINITY : now - lastSeen;
  if (input.fromCommissioning && !input.isRetry && sinceSeen > limits.deferWhenNotSeenForMs) {
    return {
      status: 'DEFERRED',
      reason: lastSeen === null ? 'No communication received from this meter yet' : `Meter not seen for ${Math.round(sinceSeen / 60_000)} minutes`,
    };
  }
  const neverSeenCounts = meter.protocol === 'CALIN_LORAWAN';
  if ((lastSeen !== null || neverSeenCounts) && sinceSeen > limits.abortWhenNotSeenForMs) {
    return {
      status: 'ABORTED',
      reason: lastSeen === null ? 'No communication received from this meter yet' : `Meter not seen for ${Math.round(sinceSeen / HOUR_MS)} hours`,
    };
  }
  if (meter.protocol === 'CALIN_V1') {
    const rule = CALIN_V1_UNSUPPORTED.find((r) => r.version === meter.version && r.types.includes(input.type));
    if (rule) return { status: 'ABORTED', reason: rule.reason };
  }
  return { status: 'QUEUED' };
}
