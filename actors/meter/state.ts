import type { InteractionRow, MeterContext } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { EffectsRunner } from '../effects/EffectsRunner';
import type { MeterMsg } from './messages';

export interface MeterState {
  id: string;
  /** Undefined until rehydrated from the database (first message, or after a crash reset). */
  ctx?: MeterContext;
  /** Open interactions in arrival order, including the one in flight. */
  queue: InteractionRow[];
  inFlight: string | null;
  /** Reconciliation bookkeeping (meter twin): attempts and the earliest next attempt per attribute. */
  reconcile: Record<string, { attempts: number; nextAt: number }>;
}

export const initialMeterState = (id: string): MeterState => ({ id, queue: [], inFlight: null, reconcile: {} });

/** What meter handlers get: runtime dependencies, the effects runner and a way to message themselves. */
export interface MeterEnv extends RuntimeDeps {
  effects: EffectsRunner;
  self: (msg: MeterMsg) => void;
}
