export type { OrderNotification, OrderNotifier, ChatNotifier, ReadReportSink } from './types';
export { OrderWebhookNotifier, assertHttpUrl, type OrderWebhookOptions, type HttpSinkOptions } from './OrderWebhookNotifier';
export { TelegramNotifier, TELEGRAM_MAX_TEXT, type TelegramOptions } from './TelegramNotifier';
export { postJson, DeliveryError, DEFAULT_RETRY, resolveRetryPolicy, parseRetryAfter, backoffMs, type RetryPolicy, type PostJsonOptions, type PostJsonResult } from './http';
export {
  HttpSinkSimulator, createOrderWebhookSimulator, createTelegramSimulator, createReadReportSimulator,
  type HttpSinkSimulatorOptions, type RecordedRequest,
} from './simulators';
export { createNotifiers, type Notifiers } from './factory';
