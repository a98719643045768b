import { spawn, dispatch, stop, type Ref } from 'nact';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { ErrorCode, GridtwinError, toGridtwinError } from '../core/errors';
import type { Reply } from '../core/reply';

/** Messages that want an answer carry a `reply` callback; the host turns that into a promise. */
export type ReplyFn<T> = (r: Reply<T>) => void;

export interface ActorBehaviour<State, Msg> {
  kind: string;
  initialState: () => State;
  handle: (state: State, msg: Msg, self: (msg: Msg) => void) => Promise<State>;
  /** Reply with this error to a crashed message that carried a reply callback. */
  replyOf?: (msg: Msg) => ReplyFn<unknown> | undefined;
  /** A crashed message is redelivered after the reset when this says so (bounded by `attempt`). */
  retryable?: (msg: Msg) => boolean;
}

type Envelope<Msg> = { msg: Msg; attempt: number };

/**
 * Hosts one supervised nact actor per id of a kind: spawned on first message, passivated after
 * `passivateAfterMs` idle, reset on crash (state reloaded from the database on the next message, pending
 * mailbox kept, the crashing message redelivered when retryable), other actors untouched.
 */
export class ActorHost<State, Msg> {
  private refs = new Map<string, Ref<Envelope<Msg>>>();
  private depth = 0;

  /** nact callbacks shared by every actor of this kind (they find the actor by `ctx.name`): nothing per actor but nact's own. */
  private readonly actorFn: (state: State, env: Envelope<Msg>, ctx: { name: string }) => Promise<State>;
  private readonly props: Record<string, unknown>;

  constructor(
    private readonly parent: Ref<unknown>,
    /** Called per message (and per crash), not kept per actor: behaviours are cheap to build. */
    private readonly behaviour: (id: string) => ActorBehaviour<State, Msg>,
    private readonly opts: { kind: string; passivateAfterMs: number; askTimeoutMs: number; logger: Logger; metrics: Metrics },
  ) {
    const { logger, metrics, kind } = opts;
    this.actorFn = async (state, env, ctx) => {
      this.depth--;
      return this.behaviour(ctx.name).handle(state, env.msg, (msg: Msg) => this.tell(ctx.name, msg));
    };
    this.props = {
      initialStateFunc: (ctx: { name: string }) => this.behaviour(ctx.name).initialState(),
      shutdownAfter: opts.passivateAfterMs || undefined,
      afterStop: (_state: State, ctx: { name: string; self: unknown }) => {
        if (this.refs.get(ctx.name) === ctx.self) this.refs.delete(ctx.name);
        metrics.actorsAlive.set({ kind }, this.refs.size);
      },
      onCrash: (env: Envelope<Msg> | undefined, err: Error | undefined, ctx: { name: string; reset: symbol }) => {
        const id = ctx.name;
        const b = this.behaviour(id);
        metrics.actorCrashes.inc({ kind });
        logger.error({ kind, id, err: err?.message, code: (err as GridtwinError | undefined)?.code }, 'actor crashed; resetting from the database');
        if (env) {
          if (b.retryable?.(env.msg) && env.attempt < 3) {
            this.depth++;
            setTimeout(() => this.deliver(id, { msg: env.msg, attempt: env.attempt + 1 }), 10 * 2 ** env.attempt);
          } else {
            b.replyOf?.(env.msg)?.({ error: toGridtwinError(err).toJSON() });
          }
        }
        return ctx.reset;
      },
    };
  }

  private spawnFor(id: string): Ref<Envelope<Msg>> {
    const ref = spawn(this.parent as never, this.actorFn as never, id, this.props as never) as Ref<Envelope<Msg>>;
    this.refs.set(id, ref);
    this.opts.metrics.actorsAlive.set({ kind: this.opts.kind }, this.refs.size);
    return ref;
  }

  private deliver(id: string, env: Envelope<Msg>) {
    let ref = this.refs.get(id) ?? this.spawnFor(id);
    try {
      dispatch(ref, env);
    } catch {
      // Raced with passivation: the actor stopped between lookup and dispatch. Start a fresh one.
      this.refs.delete(id);
      ref = this.spawnFor(id);
      dispatch(ref, env);
    }
  }

  tell(id: string, msg: Msg): void {
    this.depth++;
    this.opts.metrics.mailboxDepth.set({ kind: this.opts.kind }, this.depth);
    this.deliver(id, { msg, attempt: 0 });
  }

  ask<T>(id: string, make: (reply: ReplyFn<T>) => Msg, timeoutMs = this.opts.askTimeoutMs): Promise<Reply<T>> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve({ error: new GridtwinError(ErrorCode.TIMEOUT, `${this.opts.kind} ${id} did not answer in ${timeoutMs} ms`).toJSON() }),
        timeoutMs,
      );
      this.tell(id, make((r) => {
        clearTimeout(timer);
        resolve(r);
      }));
    });
  }

  /** Stops an actor now (its partition is handed to another node); a later message starts a fresh one from the database. */
  passivate(id: string): void {
    const ref = this.refs.get(id);
    if (!ref) return;
    this.refs.delete(id);
    stop(ref);
    this.opts.metrics.actorsAlive.set({ kind: this.opts.kind }, this.refs.size);
  }

  alive(): number {
    return this.refs.size;
  }

  ids(): string[] {
    return [...this.refs.keys()];
  }

  mailboxDepth(): number {
    return this.depth;
  }
}
