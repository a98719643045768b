import type { ChatNotifier } from './types';
import { postJson, resolveRetryPolicy, type RetryPolicy } from './http';
import { assertHttpUrl, type HttpSinkOptions } from './OrderWebhookNotifier';

export interface TelegramOptions extends HttpSinkOptions {
  /** Default https://api.telegram.org. */
  baseUrl?: string;
  /** Part of the request URL: it never appears in logs or error messages. */
  botToken: string;
  chatId: string;
}

/** Telegram's limit on one message's text. */
export const TELEGRAM_MAX_TEXT = 4096;

/** Telegram Bot API `sendMessage`. The key goes out as `Idempotency-Key` (Telegram ignores it; proxies and the simulator use it). */
export class TelegramNotifier implements ChatNotifier {
  private readonly retry: RetryPolicy;
  private readonly url: string;

  constructor(private readonly opts: TelegramOptions) {
    if (!opts.botToken) throw new RangeError('telegram bot token is required');
    if (!opts.chatId) throw new RangeError('telegram chat id is required');
    const base = assertHttpUrl(opts.baseUrl ?? 'https://api.telegram.org', 'telegram base url').replace(/\/+$/, '');
    this.url = `${base}/bot${opts.botToken}/sendMessage`;
    this.retry = resolveRetryPolicy(opts.retry);
  }

  async send(msg: { text: string; idempotencyKey: string }): Promise<void> {
    await postJson({
      url: this.url,
      target: 'telegram sendMessage',
      idempotencyKey: msg.idempotencyKey,
      retry: this.retry,
      headers: this.opts.headers,
      secrets: [this.opts.botToken, ...Object.values(this.opts.headers ?? {})],
      fetch: this.opts.fetch, sleep: this.opts.sleep, random: this.opts.random, logger: this.opts.logger,
      body: { chat_id: this.opts.chatId, text: msg.text.slice(0, TELEGRAM_MAX_TEXT), disable_web_page_preview: true },
    });
  }

  /** Keeps the token out of console.log / util.inspect of this object. */
  toJSON() { return { baseUrl: this.opts.baseUrl ?? 'https://api.telegram.org', chatId: this.opts.chatId, botToken: '[redacted]' }; }
  [Symbol.for('nodejs.util.inspect.custom')]() { return `TelegramNotifier ${JSON.stringify(this.toJSON())}`; }
}
