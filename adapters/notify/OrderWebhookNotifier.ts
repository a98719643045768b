import type { OrderNotification, OrderNotifier } from './types';
import type { Logger } from '../../core/logger';
import { postJson, resolveRetryPolicy, type RetryPolicy } from './http';

export interface HttpSinkOptions {
  retry?: Partial<RetryPolicy>;
  /** Extra headers (e.g. an Authorization header); never logged. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

export interface OrderWebhookOptions extends HttpSinkOptions {
  /** The FlowXO (or equivalent) webhook URL. */
  url: string;
}

const NOTIFIED_STATUSES = new Set(['SUCCESSFUL', 'FAILED']);

export function assertHttpUrl(url: string, what: string): string {
  let u: URL;
  try { u = new URL(url); } catch { throw new RangeError(`${what} is not a valid URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`${what} must be http(s)`);
  return url;
}

/** The order's outcome as a FlowXO-style JSON POST; only SUCCESSFUL and FAILED are sent. */
export class OrderWebhookNotifier implements OrderNotifier {
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: OrderWebhookOptions) {
    assertHttpUrl(opts.url, 'order webhook url');
    this.retry = resolveRetryPolicy(opts.retry);
  }

  async notify(n: OrderNotification): Promise<void> {
    if (!NOTIFIED_STATUSES.has(n.status)) return;
    await postJson({
      url: this.opts.url,
      target: 'order webhook',
      idempotencyKey: n.idempotencyKey,
      retry: this.retry,
      headers: this.opts.headers,
      secrets: this.opts.headers ? Object.values(this.opts.headers) : undefined,
      fetch: this.opts.fetch, sleep: this.opts.sleep, random: this.opts.random, logger: this.opts.logger,
      body: {
        order_id: n.orderId,
        interaction_id: n.interactionId,
        meter_id: n.meterId,
        interaction_type: n.type,
        status: n.status,
        result_value: n.resultValue ?? null,
        failure_reason: n.failureReason ?? null,
        occurred_at: n.occurredAt,
      },
    });
  }
}
