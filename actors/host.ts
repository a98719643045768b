import { spawn, dispatch, stop, type Ref } from 'nact';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { backoffMs } from '../core/backoff';
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
  /**
   * True while the actor has detached work out (a plant poll) whose result comes back as a message: such an actor
   * is neither passivated nor evicted, or a fresh actor for the same id could start the same work twice.
   */
  holdsWork?: (state: State) => boolean;
}

export interface HostOptions {
  kind: string;
  /** An actor that received no message but background ones (`nudge`) for this long is stopped; 0 = never. */
  passivateAfterMs: number;
  askTimeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  /** Live actors at most: past it, the least recently used idle actor is passivated. */
  maxLive?: number;
  /** How often idle actors are looked for. Default: a quarter of `passivateAfterMs`, at most 15 s. */
  idleCheckEveryMs?: number;
  /** Whether an id exists, asked before an actor is started for it: unknown ids get NOT_FOUND and no actor. */
  exists?: (id: string) => Promise<boolean>;
}

type Envelope<Msg> = { msg: Msg; attempt: number; background?: boolean };
interface Live<Msg> {
  ref: Ref<Envelope<Msg>>;
  /** Last message that was not background (ticks do not keep an actor alive: issue 11, defect 3). */
  lastActiveAt: number;
  /** Messages delivered and not yet handled: an actor with any is never passivated. */
  queued: number;
  nudged: boolean;
  /** The behaviour's `holdsWork` after the last message: never stopped while true. */
  holding: boolean;
}

/** Outage refusals are retried longer than crashes: the database comes back, a bug does not. */
const OUTAGE_ATTEMPTS = 30;
const OUTAGE_BACKOFF = { initialMs: 100, maxMs: 5_000 };

/**
 * Hosts one supervised nact actor per id of a kind: spawned on first message (after `exists` says the id is
 * real), passivated after `passivateAfterMs` without a real message, reset on crash (state reloaded from
 * the database on the next message, pending mailbox kept, the crashing message redelivered when retryable),
 * other actors untouched. A dependency outage (UNAVAILABLE) resets the actor the same way but is not a crash.
 */
export class ActorHost<State, Msg> {
  /** Live actors, least recently active first (re-inserted on every real message). */
  private live = new Map<string, Live<Msg>>();
  /** Ids whose existence is being checked, with the messages waiting for the answer, in order. */
  private checking = new Map<string, Envelope<Msg>[]>();
  private depth = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastOutageLogAt = 0;

  /** nact callbacks shared by every actor of this kind (they find the actor by `ctx.name`): nothing per actor but nact's own. */
  private readonly actorFn: (state: State, env: Envelope<Msg>, ctx: { name: string }) => Promise<State>;
  private readonly props: Record<string, unknown>;

  constructor(
    private readonly parent: Ref<unknown>,
    /** Called per message (and per crash), not kept per actor: behaviours are cheap to build. */
    private readonly behaviour: (id: string) => ActorBehaviour<State, Msg>,
    private readonly opts: HostOptions,
  ) {
    const { logger, metrics, kind } = opts;
    this.actorFn = async (state, env, ctx) => {
      const a = this.live.get(ctx.name);
      if (env.background && a) a.nudged = false;
      try {
        const b = this.behaviour(ctx.name);
        const next = await b.handle(state, env.msg, (msg: Msg) => this.tell(ctx.name, msg));
        if (a) a.holding = b.holdsWork?.(next) ?? false;
        return next;
      } finally {
        this.setDepth(-1);
        if (a) a.queued--;
      }
    };
    this.props = {
      initialStateFunc: (ctx: { name: string }) => this.behaviour(ctx.name).initialState(),
      onCrash: (env: Envelope<Msg> | undefined, err: Error | undefined, ctx: { name: string; reset: symbol }) => {
        const id = ctx.name;
        const b = this.behaviour(id);
        const error = toGridtwinError(err);
        const outage = error.code === ErrorCode.UNAVAILABLE;
        const live = this.live.get(id);
        if (live) live.holding = false; // reset to its initial state, which holds nothing
        if (outage) {
          metrics.actorOutageResets.inc({ kind });
          if (Date.now() - this.lastOutageLogAt > 1_000) {
            this.lastOutageLogAt = Date.now();
            logger.warn({ kind, id, err: err?.message }, 'a dependency is unavailable; actor reset, its request refused or retried');
          }
        } else if (error.code === ErrorCode.INTERNAL || error.code === ErrorCode.CONFLICT) {
          metrics.actorCrashes.inc({ kind });
          logger.error({ kind, id, err: err?.message, code: error.code }, 'actor crashed; resetting from the database');
        } else {
          // A typed refusal found while writing (a key another actor took a moment ago, a row gone): answered, not a crash.
          logger.warn({ kind, id, err: err?.message, code: error.code }, 'request refused while writing; actor reset from the database');
        }
        if (env && !(outage && env.background)) {
          if (b.retryable?.(env.msg) && env.attempt < (outage ? OUTAGE_ATTEMPTS : 3)) {
            const wait = outage ? backoffMs(env.attempt + 1, OUTAGE_BACKOFF) : 10 * 2 ** env.attempt;
            this.setDepth(+1);
            setTimeout(() => this.deliver(id, { ...env, attempt: env.attempt + 1 }), wait);
          } else {
            b.replyOf?.(env.msg)?.({ error: error.toJSON() });
          }
        }
        return ctx.reset;
      },
    };
    const every = opts.idleCheckEveryMs ?? Math.min(15_000, Math.max(50, Math.floor(opts.passivateAfterMs / 4)));
    if (opts.passivateAfterMs > 0) {
      this.idleTimer = setInterval(() => this.passivateIdle(), every);
      this.idleTimer.unref?.();
    }
  }

  /** Every change of the queued count updates the gauge, so an idle kind reads 0 (it was only set on arrival). */
  private setDepth(delta: number): void {
    this.depth += delta;
    this.opts.metrics.mailboxDepth.set({ kind: this.opts.kind }, this.depth);
  }

  private spawnFor(id: string): Live<Msg> {
    if (this.opts.maxLive && this.live.size >= this.opts.maxLive) this.evictOne();
    const ref = spawn(this.parent as never, this.actorFn as never, id, this.props as never) as Ref<Envelope<Msg>>;
    const a: Live<Msg> = { ref, lastActiveAt: Date.now(), queued: 0, nudged: false, holding: false };
    this.live.set(id, a);
    this.opts.metrics.actorsAlive.set({ kind: this.opts.kind }, this.live.size);
    return a;
  }

  private deliver(id: string, env: Envelope<Msg>) {
    let a = this.live.get(id) ?? this.spawnFor(id);
    if (!env.background) {
      a.lastActiveAt = Date.now();
      this.live.delete(id);
      this.live.set(id, a);
    }
    a.queued++;
    try {
      dispatch(a.ref, env);
    } catch {
      // Raced with a stop: start a fresh one.
      a.queued--;
      this.live.delete(id);
      a = this.spawnFor(id);
      a.queued++;
      dispatch(a.ref, env);
    }
  }

  private send(id: string, env: Envelope<Msg>): void {
    this.setDepth(+1);
    if (this.live.has(id) || !this.opts.exists) return this.deliver(id, env);
    const waiting = this.checking.get(id);
    if (waiting) {
      waiting.push(env);
      return;
    }
    const queue = [env];
    this.checking.set(id, queue);
    this.opts.exists(id).then(
      (found) => this.settleCheck(id, queue, found ? null : new GridtwinError(ErrorCode.NOT_FOUND, `${this.opts.kind} ${id} not found`)),
      (e: unknown) => this.settleCheck(id, queue, toGridtwinError(e)),
    );
  }

  private settleCheck(id: string, queue: Envelope<Msg>[], error: GridtwinError | null) {
    this.checking.delete(id);
    for (const env of queue) {
      if (!error) {
        this.deliver(id, env);
        continue;
      }
      this.setDepth(-1);
      const reply = this.behaviour(id).replyOf?.(env.msg);
      if (reply) reply({ error: error.toJSON() });
      else if (error.code !== ErrorCode.NOT_FOUND) this.opts.logger.warn({ kind: this.opts.kind, id, err: error.message }, 'message dropped: cannot tell whether the actor exists');
    }
  }

  tell(id: string, msg: Msg): void {
    this.send(id, { msg, attempt: 0 });
  }

  /**
   * A background message (the periodic tick): it does not count as activity, so it never keeps an actor
   * alive, and an actor that has not handled its previous one gets no second (mailboxes cannot pile up).
   */
  nudge(id: string, msg: Msg): void {
    const a = this.live.get(id);
    if (a?.nudged || this.checking.has(id)) return;
    if (a) a.nudged = true;
    this.send(id, { msg, attempt: 0, background: true });
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

  /** Stops an actor now (idle, or its partition is handed to another node); a later message starts a fresh one from the database. */
  passivate(id: string): void {
    const a = this.live.get(id);
    if (!a) return;
    this.live.delete(id);
    stop(a.ref);
    this.opts.metrics.actorsAlive.set({ kind: this.opts.kind }, this.live.size);
  }

  /** Stops actors idle for `passivateAfterMs` with nothing in their mailbox; the oldest come first in `live`. */
  passivateIdle(now = Date.now()): number {
    let stopped = 0;
    for (const [id, a] of this.live) {
      if (now - a.lastActiveAt < this.opts.passivateAfterMs) break;
      if (a.queued > 0 || a.holding) continue;
      this.passivate(id);
      stopped++;
    }
    return stopped;
  }

  /**
   * At the cap: the least recently active actor with an empty mailbox and no detached work makes room (a bounded
   * look). When none may go the cap is exceeded rather than work lost; the next spawn looks again.
   */
  private evictOne() {
    let looked = 0;
    for (const [id, a] of this.live) {
      if (a.queued === 0 && !a.holding) return this.passivate(id);
      if (++looked > 1_000) return;
    }
  }

  alive(): number {
    return this.live.size;
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  mailboxDepth(): number {
    return this.depth;
  }

  close(): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
  }
}
