import type { ChatNotifier, OrderNotifier, ReadReportSink } from './types';
import type { Config } from '../../core/config';
import type { Logger } from '../../core/logger';
import { HttpReadReportSink } from '../analytics/ReadReportSink';
import { OrderWebhookNotifier } from './OrderWebhookNotifier';
import { TelegramNotifier } from './TelegramNotifier';

export interface Notifiers {
  order?: OrderNotifier;
  chat?: ChatNotifier;
  /** Present only in production with a URL configured (READ_REPORT analytics are production-only). */
  readReports?: ReadReportSink;
}

/** Builds the sinks that are configured; an unconfigured sink is absent, so callers skip it visibly. */
export function createNotifiers(config: Pick<Config, 'notify' | 'analytics' | 'environment'>, logger?: Logger): Notifiers {
  const retry = { maxAttempts: config.notify.maxAttempts, initialBackoffMs: config.notify.initialBackoffMs };
  const n = config.notify;
  return {
    order: n.orderWebhookUrl ? new OrderWebhookNotifier({ url: n.orderWebhookUrl, retry, logger }) : undefined,
    chat: n.telegramBotToken && n.telegramChatId
      ? new TelegramNotifier({ baseUrl: n.telegramBaseUrl, botToken: n.telegramBotToken, chatId: n.telegramChatId, retry, logger })
      : undefined,
    readReports: config.environment === 'production' && config.analytics.readReportUrl
      ? new HttpReadReportSink({ url: config.analytics.readReportUrl, retry, logger })
      : undefined,
  };
}
