import type { InteractionStatus, InteractionType } from '../../core/domain';

/** Notification sinks for the cascade's step 5 and READ_REPORT analytics. All are idempotent by key. */
export interface OrderNotification {
  orderId: string;
  interactionId: string;
  meterId: string;
  type: InteractionType;
  status: Extract<InteractionStatus, 'SUCCESSFUL' | 'FAILED'>;
  resultValue?: unknown;
  failureReason?: string | null;
  occurredAt: string;
  /** Sent as the `Idempotency-Key` header; the same key is never delivered twice by a well-behaved receiver. */
  idempotencyKey: string;
}

export interface OrderNotifier {
  notify(n: OrderNotification): Promise<void>;
}

export interface ChatNotifier {
  /** Telegram Bot API sendMessage (or an equivalent). */
  send(msg: { text: string; idempotencyKey: string }): Promise<void>;
}

export interface ReadReportSink {
  post(report: { meterId: string; interactionId: string; result: unknown; receivedAt: string; idempotencyKey: string }): Promise<void>;
}
