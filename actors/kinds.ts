import { start, stop as stopNact, spawnStateless, type Ref } from 'nact';
import { ErrorCode, GridtwinError } from '../core/errors';
import { ActorHost, type ActorBehaviour, type HostOptions } from './host';

/** The actor kinds of a node, each under its own kind supervisor (the supervision tree of docs/architecture.md). */
export const ACTOR_KINDS = { meter: 'meters', batch: 'batches', commissioning: 'commissionings', plant: 'plants' } as const;
export type ActorKind = keyof typeof ACTOR_KINDS;

/**
 * One nact system per node: the root, one kind supervisor per kind, and the `ActorHost` of each kind (spawn on
 * first message, passivation, crash reset). The meter runtime and the plant runtime take their kinds from it.
 */
export class ActorSystem {
  private readonly root = start();
  private readonly hosts = new Map<ActorKind, ActorHost<never, never>>();
  private stopped = false;

  /** Starts the kind's supervisor and its host; each kind once. */
  host<State, Msg>(kind: ActorKind, behaviour: (id: string) => ActorBehaviour<State, Msg>, opts: Omit<HostOptions, 'kind'>): ActorHost<State, Msg> {
    if (this.stopped) throw new GridtwinError(ErrorCode.INVALID_STATE, 'actor system stopped');
    if (this.hosts.has(kind)) throw new GridtwinError(ErrorCode.INVALID_STATE, `actor kind ${kind} is hosted already`);
    const supervisor: Ref<unknown> = spawnStateless(this.root, () => undefined, ACTOR_KINDS[kind]);
    const host = new ActorHost<State, Msg>(supervisor, behaviour, { ...opts, kind });
    this.hosts.set(kind, host as unknown as ActorHost<never, never>);
    return host;
  }

  kinds(): ActorKind[] {
    return [...this.hosts.keys()];
  }

  /** Stops the kinds' idle checks and every actor. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const h of this.hosts.values()) h.close();
    stopNact(this.root);
  }
}
