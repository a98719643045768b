import type { ReadReportSink } from '../notify/types';
import { postJson, resolveRetryPolicy, type RetryPolicy } from '../notify/http';
import { assertHttpUrl, type HttpSinkOptions } from '../notify/OrderWebhookNotifier';

export interface ReadReportSinkOptions extends HttpSinkOptions {
  url: string;
}

/**
 * READ_REPORT readings to the analytics API as a JSON POST. Whether to call it at all (production only) is
 * the caller's decision.
 */
export class HttpReadReportSink implements ReadReportSink {
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: ReadReportSinkOptions) {
    assertHttpUrl(opts.url, 'analytics read report url');
    this.retry = resolveRetryPolicy(opts.retry);
  }

  async post(report: Parameters<ReadReportSink['post']>[0]): Promise<void> {
    await postJson({
      url: this.opts.url,
      target: 'analytics read report',
      idempotencyKey: report.idempotencyKey,
      retry: this.retry,
      headers: this.opts.headers,
      secrets: this.opts.headers ? Object.values(this.opts.headers) : undefined,
      fetch: this.opts.fetch, sleep: this.opts.sleep, random: this.opts.random, logger: this.opts.logger,
      body: { meter_id: report.meterId, interaction_id: report.interactionId, result: report.result, received_at: report.receivedAt },
    });
  }
}
