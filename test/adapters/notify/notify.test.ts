import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeliveryError, HttpSinkSimulator, OrderWebhookNotifier, TelegramNotifier, createOrderWebhookSimulator, createTelegramSimulator, parseRetryAfter,
  type OrderNotification,
} from '../../../adapters/notify';
import { HttpReadReportSink, createReadReportSimulator } from '../../../adapters/analytics';
import { ErrorCode } from '../../../core/errors';

const sims: HttpSinkSimulator[] = [];
afterEach(async () => { while (sims.length) await sims.pop()!.stop(); });
const started = async (s: HttpSinkSimulator) => { sims.push(s); return s.start(); };

/** Records the waits instead of sleeping, so retry tests are fast and exact. */
const recorder = () => { const waits: number[] = []; return { waits, sleep: async (ms: number) => { waits.push(ms); } }; };

const order = (over: Partial<OrderNotification> = {}): OrderNotification => ({
  orderId: 'o-1', interactionId: 'i-1', meterId: 'm-1', type: 'TOP_UP', status: 'SUCCESSFUL',
  resultValue: { kwhCredit: 12.5 }, failureReason: null, occurredAt: '2026-03-01T10:00:00.000Z', idempotencyKey: 'order-o-1-i-1', ...over,
});

describe('OrderWebhookNotifier', () => {
  it('500, 500, 200 → delivered once after two backoffs, same Idempotency-Key each attempt', async () => {
    const sim = await started(createOrderWebhookSimulator().respondNext(500, 500));
    const { waits, sleep } = recorder();
    const n = new OrderWebhookNotifier({ url: `${sim.url}/flowxo/hook`, retry: { initialBackoffMs: 100 }, sleep, random: () => 0.5 });
    await n.notify(order());
    expect(sim.requests.map((r) => r.idempotencyKey)).toEqual(['order-o-1-i-1', 'order-o-1-i-1', 'order-o-1-i-1']);
    expect(sim.deliveryCount()).toBe(1);
    expect(waits).toEqual([75, 150]);
    expect(sim.deliveries[0]!.path).toBe('/flowxo/hook');
    expect(sim.deliveries[0]!.body).toEqual({
      order_id: 'o-1', interaction_id: 'i-1', meter_id: 'm-1', interaction_type: 'TOP_UP', status: 'SUCCESSFUL',
      result_value: { kwhCredit: 12.5 }, failure_reason: null, occurred_at: '2026-03-01T10:00:00.000Z',
    });
  });

  it('a 400 is not retried and fails with a typed error', async () => {
    const sim = await started(createOrderWebhookSimulator().respondNext(400));
    const { waits, sleep } = recorder();
    const err = await new OrderWebhookNotifier({ url: sim.url, sleep }).notify(order()).catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code: ErrorCode.VENDOR_ERROR, attempts: 1, lastStatus: 400, retryable: false });
    expect(sim.requests).toHaveLength(1);
    expect(sim.deliveryCount()).toBe(0);
    expect(waits).toEqual([]);
  });

  it('exhausted attempts → DeliveryError UNAVAILABLE with the attempt count', async () => {
    const sim = await started(createOrderWebhookSimulator({ failFirst: 10 }));
    const { waits, sleep } = recorder();
    const err = await new OrderWebhookNotifier({ url: sim.url, retry: { maxAttempts: 3, initialBackoffMs: 10 }, sleep, random: () => 0 }).notify(order()).catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, attempts: 3, lastStatus: 500, retryable: true });
    expect(err.message).toBe('order webhook: gave up after 3 attempts (last: HTTP 500)');
    expect(sim.requests).toHaveLength(3);
    expect(waits).toEqual([5, 10]);
  });

  it('a re-sent notification with the same key is delivered exactly once at the receiver', async () => {
    const sim = await started(createOrderWebhookSimulator());
    const n = new OrderWebhookNotifier({ url: sim.url });
    await n.notify(order());
    await n.notify(order());
    await n.notify(order({ idempotencyKey: 'order-o-1-i-2', interactionId: 'i-2', status: 'FAILED', failureReason: 'TIMEOUT' }));
    expect(sim.deliveryCount('order-o-1-i-1')).toBe(1);
    expect(sim.deliveryCount()).toBe(2);
    expect(sim.duplicates).toBe(1);
  });

  it('only SUCCESSFUL and FAILED are sent', async () => {
    const sim = await started(createOrderWebhookSimulator());
    const n = new OrderWebhookNotifier({ url: sim.url });
    await n.notify(order({ status: 'ABORTED' as OrderNotification['status'] }));
    expect(sim.requests).toHaveLength(0);
  });

  it('honours Retry-After on 429 and 503, and retries 408', async () => {
    const sim = await started(createOrderWebhookSimulator({ retryAfterSeconds: 2 }).respondNext(429, 503, 408));
    const { waits, sleep } = recorder();
    await new OrderWebhookNotifier({ url: sim.url, retry: { initialBackoffMs: 100 }, sleep, random: () => 0 }).notify(order());
    expect(waits).toEqual([2000, 2000, 2000]);
    expect(sim.deliveryCount()).toBe(1);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('a slow receiver times out per attempt', async () => {
    const sim = await started(createOrderWebhookSimulator({ delayMs: 300 }));
    const err = await new OrderWebhookNotifier({ url: sim.url, retry: { maxAttempts: 2, timeoutMs: 50, initialBackoffMs: 1 } }).notify(order()).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, attempts: 2 });
    expect(err.message).toBe('order webhook: gave up after 2 attempts (last: timed out)');
  });

  it('rejects bad options in the constructor', () => {
    expect(() => new OrderWebhookNotifier({ url: 'not a url' })).toThrow(/valid URL/);
    expect(() => new OrderWebhookNotifier({ url: 'http://x', retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });
});

describe('TelegramNotifier', () => {
  const BOT = '123456:AAF-secret-bot-token_xyz';

  it('sends sendMessage with chat_id and text', async () => {
    const sim = await started(createTelegramSimulator({ botToken: BOT }));
    await new TelegramNotifier({ baseUrl: sim.url, botToken: BOT, chatId: '-1001' }).send({ text: 'Meter m-1 TOP_UP SUCCESSFUL', idempotencyKey: 'tg-1' });
    expect(sim.deliveries).toHaveLength(1);
    expect(sim.deliveries[0]!.path).toBe(`/bot${BOT}/sendMessage`);
    expect(sim.deliveries[0]!.body).toEqual({ chat_id: '-1001', text: 'Meter m-1 TOP_UP SUCCESSFUL', disable_web_page_preview: true });
  });

  it('the bot token never appears in errors (auth failure, exhaustion, network error) or in inspect output', async () => {
    const sim = await started(createTelegramSimulator({ botToken: 'other:token' }));
    const n = new TelegramNotifier({ baseUrl: sim.url, botToken: BOT, chatId: '1' });
    const auth = await n.send({ text: 'x', idempotencyKey: 'k' }).catch((e) => e);
    expect(auth).toMatchObject({ code: ErrorCode.AUTH_FAILED, lastStatus: 401 });

    const failing = await started(createTelegramSimulator({ botToken: BOT, failFirst: 5 }));
    const exhausted = await new TelegramNotifier({ baseUrl: failing.url, botToken: BOT, chatId: '1', retry: { maxAttempts: 2, initialBackoffMs: 1 } })
      .send({ text: 'x', idempotencyKey: 'k' }).catch((e) => e);
    expect(exhausted).toMatchObject({ code: ErrorCode.UNAVAILABLE, attempts: 2 });

    const down = await new TelegramNotifier({ baseUrl: 'http://127.0.0.1:9', botToken: BOT, chatId: '1', retry: { maxAttempts: 2, initialBackoffMs: 1 } })
      .send({ text: 'x', idempotencyKey: 'k' }).catch((e) => e);
    expect(down).toMatchObject({ code: ErrorCode.UNAVAILABLE, attempts: 2 });
    expect(down.message).toBe('telegram sendMessage: gave up after 2 attempts (last: network error)');

    for (const e of [auth, exhausted, down]) {
      expect(e).toBeInstanceOf(DeliveryError);
      for (const text of [e.message, JSON.stringify(e), JSON.stringify(e.toJSON()), inspect(e, { depth: 10 }), String(e.stack)]) {
        expect(text).not.toContain(BOT);
        expect(text).not.toContain('AAF-secret');
      }
    }
    expect(inspect(n)).not.toContain(BOT);
    expect(JSON.stringify(n)).not.toContain(BOT);
  });
});

describe('HttpReadReportSink', () => {
  it('posts the report with its key and retries a 500', async () => {
    const sim = await started(createReadReportSimulator({ failFirst: 1 }));
    const { waits, sleep } = recorder();
    await new HttpReadReportSink({ url: `${sim.url}/readings`, sleep, random: () => 1, retry: { initialBackoffMs: 40 } }).post({
      meterId: 'm-1', interactionId: 'i-9', result: { kwhCredit: 3 }, receivedAt: '2026-03-01T10:00:00.000Z', idempotencyKey: 'rr-i-9',
    });
    expect(sim.requests).toHaveLength(2);
    expect(waits).toEqual([40]);
    expect(sim.deliveries).toHaveLength(1);
    expect(sim.deliveries[0]!.idempotencyKey).toBe('rr-i-9');
    expect(sim.deliveries[0]!.body).toEqual({ meter_id: 'm-1', interaction_id: 'i-9', result: { kwhCredit: 3 }, received_at: '2026-03-01T10:00:00.000Z' });
  });
});

describe('createNotifiers', () => {
  it('builds configured sinks only; read reports only in production', async () => {
    const { createNotifiers } = await import('../../../adapters/notify');
    const { parseConfig } = await import('../../../core/config');
    const base = { notify: { orderWebhookUrl: 'http://127.0.0.1:1/h', telegramBotToken: 't', telegramChatId: '1' }, analytics: { readReportUrl: 'http://127.0.0.1:1/r' } };
    const dev = createNotifiers(parseConfig({ ...base, environment: 'development' }));
    expect(dev.order).toBeInstanceOf(OrderWebhookNotifier);
    expect(dev.chat).toBeInstanceOf(TelegramNotifier);
    expect(dev.readReports).toBeUndefined();
    expect(createNotifiers(parseConfig({ ...base, environment: 'production' })).readReports).toBeInstanceOf(HttpReadReportSink);
    expect(createNotifiers(parseConfig({})).order).toBeUndefined();
  });
});
