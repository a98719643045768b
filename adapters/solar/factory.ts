import { ErrorCode, GridtwinError } from '../../core/errors';
import { DeyeAdapter } from './deye/client';
import { GoodweAdapter, SEMS_HOSTS } from './goodwe/client';
import { HuaweiAdapter } from './huawei/client';
import { SolisAdapter } from './solis/client';
import { CREDENTIAL_SCHEMAS, normalizeBrand, type AdapterOptions, type SolarAdapter, type SolarBrand } from './types';

/** Vendor cloud endpoints used when configuration names none. */
export const DEFAULT_BASE_URLS: Record<SolarBrand, string> = {
  SOLIS: 'https://www.soliscloud.com:13333',
  HUAWEI: 'https://eu5.fusionsolar.huawei.com',
  GOODWE: SEMS_HOSTS.semsPlus,
  DEYE: 'https://eu1-developer.deyecloud.com',
};

/**
 * The one place that picks an adapter for a brand (or its alias, e.g. `DELE`). Credentials are checked
 * against the brand's schema; the error never echoes them.
 */
export function createSolarAdapter(brand: SolarBrand | string, credentials: unknown, opts: Partial<AdapterOptions> = {}): SolarAdapter {
  const b = normalizeBrand(brand);
  const parsed = CREDENTIAL_SCHEMAS[b].safeParse(credentials);
  if (!parsed.success) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `invalid ${b} credentials`, {
      details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const options: AdapterOptions = { ...opts, baseUrl: opts.baseUrl ?? DEFAULT_BASE_URLS[b] };
  switch (b) {
    case 'SOLIS': return new SolisAdapter(CREDENTIAL_SCHEMAS.SOLIS.parse(parsed.data), options);
    case 'HUAWEI': return new HuaweiAdapter(CREDENTIAL_SCHEMAS.HUAWEI.parse(parsed.data), options);
    case 'GOODWE': return new GoodweAdapter(CREDENTIAL_SCHEMAS.GOODWE.parse(parsed.data), options);
    case 'DEYE': return new DeyeAdapter(CREDENTIAL_SCHEMAS.DEYE.parse(parsed.data), options);
    default: {
      const never: never = b;
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `unknown solar brand ${String(never)}`);
    }
  }
}
