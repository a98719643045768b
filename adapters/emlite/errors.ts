import { status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, GridtwinError } from '../../core/errors';

/**
 * The one mapping from mediator gRPC status codes to gridtwin errors. The gRPC error stays as `cause`,
 * its code name and details in `details`.
 */
const GRPC_TO_GRIDTWIN: Partial<Record<status, ErrorCode>> = {
  [status.RESOURCE_EXHAUSTED]: ErrorCode.BUSY,
  [status.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [status.INVALID_ARGUMENT]: ErrorCode.VALIDATION_FAILED,
  [status.DEADLINE_EXCEEDED]: ErrorCode.TIMEOUT,
  [status.UNAVAILABLE]: ErrorCode.UNAVAILABLE,
  [status.INTERNAL]: ErrorCode.UNAVAILABLE,
  [status.CANCELLED]: ErrorCode.UNAVAILABLE,
  [status.UNAUTHENTICATED]: ErrorCode.UNAUTHORIZED,
  [status.PERMISSION_DENIED]: ErrorCode.FORBIDDEN,
};

/** A busy meter is usually free again after its current exchange; callers may retry after this. */
export const BUSY_RETRY_AFTER_MS = 5_000;

export const isServiceError = (e: unknown): e is ServiceError =>
  e instanceof Error && typeof (e as Partial<ServiceError>).code === 'number';

export function mapGrpcError(e: unknown, context: { method: string; serial?: string; address: string }): GridtwinError {
  if (e instanceof GridtwinError) return e;
  if (!isServiceError(e)) return new GridtwinError(ErrorCode.INTERNAL, `mediator ${context.method} failed`, { cause: e });
  const code = GRPC_TO_GRIDTWIN[e.code] ?? ErrorCode.VENDOR_ERROR;
  const detail = e.details || status[e.code];
  return new GridtwinError(code, `mediator ${context.address} ${context.method}: ${detail}`, {
    cause: e,
    details: { grpcCode: status[e.code], grpcDetails: e.details, serial: context.serial, mediator: context.address },
    retryAfterMs: code === ErrorCode.BUSY ? BUSY_RETRY_AFTER_MS : undefined,
  });
}
