/**
 * Calin API v1 (vending and maintenance) request/response shapes, shared by the client and its simulator.
 * Every call is a JSON POST carrying company_name / user_name / password; answers are HTTP 200 with a
 * `result_code` (0 = OK) and `reason`. POS_Purchase answers `result.token`; maintenance calls answer the
 * token string in `result`.
 */
export const CALIN_PATHS = {
  TOP_UP: '/POS_Purchase',
  SET_POWER_LIMIT: '/Maintenance_SetMaxPower',
  CLEAR_CREDIT: '/Maintenance_ClearCredit',
  CLEAR_TAMPER: '/Maintenance_ClearTamper',
} as const;
export type CalinTokenType = keyof typeof CALIN_PATHS;

export interface CalinAuth { company_name: string; user_name: string; password: string }
export interface CalinPurchaseRequest extends CalinAuth { password_vend: string; meter_number: string; is_vend_by_unit: boolean; amount: number }
export interface CalinMaintenanceRequest extends CalinAuth { meter_number: string; max_power?: number }

export interface CalinResponse<R> { result_code: number; reason: string; result?: R }
export type CalinPurchaseResponse = CalinResponse<{ token: string; total_unit?: number; meter_number?: string }>;
export type CalinMaintenanceResponse = CalinResponse<string>;

/** result_code values the client maps (those the simulator emits; anything else non-zero is VENDOR_ERROR). */
export const CALIN_RESULT = { OK: 0, AUTH_FAILED: 1, METER_NOT_FOUND: 2, INVALID_AMOUNT: 3 } as const;
