import { z } from 'zod';
import type { ErrorBody } from '../../core/errors';

/** The `/ws` protocol (docs/ws-protocol.md): what clients may send and what the server sends back. */
const correlationId = z.union([z.string().min(1).max(128), z.number().int()]);

export const ClientMessageSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), topic: z.string().min(1).max(256), id: correlationId.optional() }),
  z.object({ op: z.literal('unsubscribe'), topic: z.string().min(1).max(256), id: correlationId.optional() }),
  z.object({ op: z.literal('command'), id: correlationId, command: z.string().min(1).max(64), args: z.unknown().optional() }),
  z.object({ op: z.literal('ping'), id: correlationId.optional() }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type CorrelationId = z.infer<typeof correlationId>;

export type ServerMessage =
  | { type: 'snapshot'; topic: string; seq: number; data: unknown }
  /** `coalesced`: how many newer-superseded values of this state were skipped under backpressure. */
  | { type: 'event'; topic: string; seq: number; data: unknown; coalesced?: number }
  | ({ type: 'reply'; id: CorrelationId } & ({ data: unknown } | { error: ErrorBody }))
  | { type: 'error'; code: string; message: string; id?: CorrelationId; topic?: string; details?: unknown }
  | { type: 'status'; nats: 'connected' | 'disconnected' }
  | { type: 'unsubscribed'; topic: string; id?: CorrelationId }
  | { type: 'pong'; id?: CorrelationId };

/** Close codes the gateway uses (besides the standard 1000/1001/1009). */
export const CloseCode = {
  GOING_AWAY: 1001,
  TOKEN_EXPIRED: 4001,
  TOO_SLOW: 4008,
} as const;

/** The internal uWS topic every socket listens on for bus status broadcasts (never a client topic). */
export const STATUS_TOPIC = '$status';
