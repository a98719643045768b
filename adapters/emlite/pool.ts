import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { CONFIG_DEFAULTS, type Config } from '../../core/config';
import { DEFAULT_DEADLINE_MS, EmliteMediatorClient, type MediatorTls } from './client';

export interface MediatorPoolOptions {
  deadlineMs?: number;
  /** Calls in flight per mediator address; each mediator has its own budget. */
  perMediatorConcurrency?: number;
  tls?: MediatorTls;
}

const DEFAULTS = { deadlineMs: DEFAULT_DEADLINE_MS, perMediatorConcurrency: CONFIG_DEFAULTS.emlite.perMediatorConcurrency };

/**
 * One client (one channel) per mediator address, each with its own concurrency limiter: a sweep is
 * bounded per mediator, so a slow mediator never starves the others and none is overloaded.
 */
export class MediatorPool {
  private readonly opts: Required<Omit<MediatorPoolOptions, 'tls'>> & { tls?: MediatorTls };
  private readonly clients = new Map<string, EmliteMediatorClient>();

  constructor(opts: MediatorPoolOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
    const c = this.opts.perMediatorConcurrency;
    if (!(Number.isInteger(c) && c > 0)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `perMediatorConcurrency must be a positive integer, got ${c}`);
    }
  }

  /** Builds a pool from the validated `emlite` config section, reading the TLS files once. */
  static fromConfig(cfg: Config['emlite']): MediatorPool {
    const tls = cfg.tlsCaFile
      ? {
          ca: readFileSync(cfg.tlsCaFile),
          cert: cfg.tlsCertFile ? readFileSync(cfg.tlsCertFile) : undefined,
          key: cfg.tlsKeyFile ? readFileSync(cfg.tlsKeyFile) : undefined,
        }
      : undefined;
    return new MediatorPool({ deadlineMs: cfg.deadlineMs, perMediatorConcurrency: cfg.perMediatorConcurrency, tls });
  }

  client(address: string): EmliteMediatorClient {
    if (!address) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'meter has no mediator address');
    let client = this.clients.get(address);
    if (!client) {
      client = new EmliteMediatorClient(address, {
        deadlineMs: this.opts.deadlineMs,
        tls: this.opts.tls,
        limit: pLimit(this.opts.perMediatorConcurrency),
      });
      this.clients.set(address, client);
    }
    return client;
  }

  get addresses(): string[] {
    return [...this.clients.keys()];
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
