import { Cron } from 'croner';
import { detach } from './detached';
import { ErrorCode, GridtwinError } from './errors';
import type { Logger } from './logger';

/** The timers a scheduler uses: the real ones, or a fake clock in tests. */
export interface SchedulerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The partitions a node owns, for jobs that select their rows in SQL. */
export interface OwnedPartitions {
  count: number;
  owned: number[];
}

/**
 * Where a node stands in the cluster, as scheduled jobs need it. A standalone node is `SOLE`: it owns every id
 * and leads. A cluster node answers from its partition leases and the leader election.
 */
export interface Placement {
  /** Whether this node acts on the device `id` now (its partition's lease is held here). */
  owns(id: string): boolean;
  /** Whether this node runs the cluster-wide jobs (one node at a time). */
  leads(): boolean;
  /** The partitions owned here; null when the node owns them all. */
  partitions(): OwnedPartitions | null;
}

export const SOLE: Placement = { owns: () => true, leads: () => true, partitions: () => null };

export interface JobContext {
  owns(id: string): boolean;
  partitions: OwnedPartitions | null;
  /** When the round was due (the clock's time). */
  at: number;
}

export interface JobSpec {
  /** Unique per scheduler; names the job in logs. */
  name: string;
  /** Fixed pause between the end of one round and the start of the next. Exactly one of `everyMs`, `cron` and `once`. */
  everyMs?: number;
  /** A croner pattern, in UTC. A fire that comes while the previous round still runs is skipped. */
  cron?: string;
  /** One round as soon as the scheduler starts, and no other. */
  once?: true;
  /** One round as soon as the scheduler starts, then on schedule. Default false. */
  runAtStart?: boolean;
  /**
   * `owned` (default): runs on every node and acts only on the ids `ctx.owns` accepts. `cluster`: one round per
   * fire in the whole cluster, on the node that `leads`.
   */
  scope?: 'owned' | 'cluster';
  run(ctx: JobContext): Promise<unknown> | void;
}

interface Job {
  spec: JobSpec;
  cron: Cron | null;
  timer: unknown;
  round: Promise<void> | null;
  runs: number;
  skipped: number;
}

/** Node's setTimeout holds at most 2^31-1 ms; a later fire re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The node's one scheduler: every periodic job (reconcile tick and outbox sweep, plant polls, Emlite sync sweeps,
 * the cluster status broadcast) is registered here. A job's rounds never overlap; a failed round is logged and
 * the next one runs as planned. Jobs act only where the `Placement` given to `start` says.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private placement: Placement | null = null;
  private stopped = false;
  private readonly clock: SchedulerClock;
  private readonly logger: Logger;

  constructor(o: { logger: Logger; clock?: SchedulerClock }) {
    this.clock = o.clock ?? realClock;
    this.logger = o.logger;
  }

  /** Registers a job; it is armed now if the scheduler runs already, else at `start`. */
  add(spec: JobSpec): void {
    if (this.jobs.has(spec.name)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `scheduler: job ${spec.name} is registered already`);
    if ([spec.everyMs, spec.cron, spec.once].filter((x) => x !== undefined).length !== 1) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `scheduler: job ${spec.name} needs exactly one of everyMs, cron and once`);
    }
    if (spec.everyMs !== undefined && !(Number.isFinite(spec.everyMs) && spec.everyMs > 0)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `scheduler: job ${spec.name}: everyMs must be a positive number`);
    }
    let cron: Cron | null = null;
    if (spec.cron !== undefined) {
      try {
        cron = new Cron(spec.cron, { timezone: 'UTC', paused: true });
      } catch (e) {
        throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `scheduler: job ${spec.name}: invalid cron pattern "${spec.cron}"`, { cause: e });
      }
    }
    const job: Job = { spec, cron, timer: null, round: null, runs: 0, skipped: 0 };
    this.jobs.set(spec.name, job);
    if (this.placement && !this.stopped) this.arm(job, true);
  }

  /** Arms every job; from now on jobs act where `placement` says. */
  start(placement: Placement = SOLE): void {
    if (this.placement) throw new GridtwinError(ErrorCode.INVALID_STATE, 'scheduler: started already');
    this.placement = placement;
    for (const job of this.jobs.values()) this.arm(job, true);
  }

  started(): boolean {
    return this.placement !== null && !this.stopped;
  }

  /** Runs a round of the job now (placement permitting), or joins the round running. */
  runNow(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) return Promise.reject(new GridtwinError(ErrorCode.NOT_FOUND, `scheduler: no job ${name}`));
    return job.round ?? this.round(job, this.clock.now());
  }

  /** Rounds run and fires skipped (because the previous round still ran) per job. */
  stats(name: string): { runs: number; skipped: number; running: boolean } | null {
    const job = this.jobs.get(name);
    return job ? { runs: job.runs, skipped: job.skipped, running: job.round !== null } : null;
  }

  /** Disarms every job and waits for the rounds running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) if (job.timer !== null) this.clock.clearTimer(job.timer);
    await Promise.all([...this.jobs.values()].flatMap((j) => (j.round ? [j.round] : [])));
  }

  private arm(job: Job, first = false): void {
    if (this.stopped) return;
    if (first && (job.spec.runAtStart || job.spec.once)) {
      job.timer = this.clock.setTimer(() => this.fire(job, this.clock.now()), 0);
      return;
    }
    if (job.spec.once) return;
    const now = this.clock.now();
    const due = job.cron ? job.cron.nextRun(new Date(now))?.getTime() ?? null : now + job.spec.everyMs!;
    if (due === null) return;
    const wait = (at: number) => {
      job.timer = this.clock.setTimer(() => {
        if (this.clock.now() < at) wait(at);
        else this.fire(job, at);
      }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.clock.now())));
    };
    wait(due);
  }

  private fire(job: Job, at: number): void {
    job.timer = null;
    if (this.stopped) return;
    if (job.round) {
      // Only a cron fire can come while a round runs (an interval re-arms when its round ends).
      job.skipped++;
      this.logger.warn({ job: job.spec.name }, 'scheduler: previous round still running; this fire is skipped');
      this.arm(job);
      return;
    }
    const round = this.round(job, at);
    // An interval counts from the end of a round; a cron pattern fixes its own times.
    if (job.spec.once) return;
    if (job.cron) this.arm(job);
    else detach(round.then(() => this.arm(job)), `scheduler: re-arming ${job.spec.name}`);
  }

  private round(job: Job, at: number): Promise<void> {
    const placement = this.placement ?? SOLE;
    if (job.spec.scope === 'cluster' && !placement.leads()) return Promise.resolve();
    const ctx: JobContext = { owns: (id) => placement.owns(id), partitions: placement.partitions(), at };
    job.runs++;
    const round = (async () => {
      try {
        await job.spec.run(ctx);
      } catch (e) {
        this.logger.warn({ job: job.spec.name, err: (e as Error).message }, 'scheduler: round failed; the next one runs as planned');
      } finally {
        job.round = null;
      }
    })();
    job.round = round;
    return round;
  }
}
