import { z } from 'zod';
import { CredentialCipher, normalizeBrand, SOLAR_BRANDS, type SolarBrand } from '../../adapters/solar';
import { isValidTimeZone } from '../../core/time';
import { ErrorCode, GridtwinError, isGridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import { credentialsRepo, plantsRepo, type Database, type PlantRow } from '../../persistence';
import type { CommitEnv } from './poll/commit';
import { publishStatus } from './poll/commit';
import type { VendorGates } from './vendorGate';
import { plantOnly, type PlantView } from './views';

/**
 * Registry of vendor credentials and plants. A credential is tested against the vendor before it is
 * stored (encrypted), and is never echoed, logged or put in an error.
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');
const brand = z.string().min(1).max(40).transform((b, ctx) => {
  try {
    return normalizeBrand(b);
  } catch {
    ctx.addIssue({ code: 'custom', message: `brand must be one of ${SOLAR_BRANDS.join(', ')} (or DELE)` });
    return z.NEVER;
  }
});

export const CredentialUpsertSchema = z.object({
  id, organizationId: id, brand,
  credentials: z.record(z.string(), z.unknown()),
  baseUrl: z.string().url().max(500).optional(),
}).strict();

export const PlantUpsertSchema = z.object({
  id, organizationId: id, credentialId: id, brand: brand.optional(),
  vendorPlantId: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  timezone: z.string().min(1).max(64).refine(isValidTimeZone, 'must be an IANA time zone'),
  capacityKwp: z.number().positive().max(1e7).nullish(),
  integrationStatus: z.enum(['ACTIVE', 'PAUSED', 'ERROR']).optional(),
}).strict();

export interface CredentialView {
  id: string; organizationId: string; brand: SolarBrand; baseUrl: string | null; plantCount: number; lastTestedAt: string | null;
}

export interface RegistryEnv extends CommitEnv {
  db: Database;
  gates: VendorGates;
  cipher: CredentialCipher | null;
}

const isUniqueViolation = (e: unknown) => isGridtwinError(e) && e.code === ErrorCode.ALREADY_EXISTS;

export async function upsertCredential(env: RegistryEnv, input: z.infer<typeof CredentialUpsertSchema>): Promise<CredentialView> {
  if (!env.cipher) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'solar.credentialKey is not configured: credentials cannot be stored');
  if (!(await plantsRepo.organizationExists(env.db.sql, input.organizationId))) throw new GridtwinError(ErrorCode.NOT_FOUND, `organization ${input.organizationId} not found`);
  const existing = await credentialsRepo.get(env.db.sql, input.id);
  if (existing && existing.organizationId !== input.organizationId) throw new GridtwinError(ErrorCode.CONFLICT, `credential ${input.id} belongs to another organization`);
  // the factory validates the brand's schema and never echoes the values; the test's requests count against the credential's limits
  const { adapter } = env.gates.adapterFor(input.id, input.brand, input.credentials, input.baseUrl ? { baseUrl: input.baseUrl } : {});
  try {
    const test = await adapter.testConnection();
    if (!test.ok) throw test.error;
    const encrypted = env.cipher.encrypt(input.brand, input.credentials as never);
    const row = await credentialsRepo.upsert(env.db.sql, { id: input.id, organizationId: input.organizationId, brand: input.brand, encryptedCredentials: encrypted, baseUrl: input.baseUrl ?? null });
    env.gates.forget(input.id);
    return { id: row.id, organizationId: row.organizationId, brand: input.brand, baseUrl: row.baseUrl, plantCount: test.plantCount, lastTestedAt: row.lastTestedAt };
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

export async function upsertPlant(env: RegistryEnv, input: z.infer<typeof PlantUpsertSchema>): Promise<PlantView['plant']> {
  const credential = await credentialsRepo.get(env.db.sql, input.credentialId);
  if (!credential) throw new GridtwinError(ErrorCode.NOT_FOUND, `credential ${input.credentialId} not found`);
  if (credential.organizationId !== input.organizationId) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'the credential belongs to another organization');
  const credentialBrand = normalizeBrand(credential.brand);
  if (input.brand && input.brand !== credentialBrand) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `plant brand ${input.brand} differs from its credential's brand ${credentialBrand}`);
  const before = await plantsRepo.get(env.db.sql, input.id);
  if (before && before.organizationId !== input.organizationId) throw new GridtwinError(ErrorCode.CONFLICT, `plant ${input.id} belongs to another organization`);
  let row: PlantRow;
  try {
    row = await plantsRepo.upsert(env.db.sql, { ...input, brand: credentialBrand });
  } catch (e) {
    if (isUniqueViolation(e)) throw new GridtwinError(ErrorCode.CONFLICT, `vendor plant ${input.vendorPlantId} is already registered under credential ${input.credentialId}`);
    throw e;
  }
  if (row.integrationStatus !== 'ACTIVE' && row.status !== 'GREY') {
    const reason = 'integration not active';
    await plantsRepo.setStatus(env.db.sql, row.id, 'GREY', reason);
    publishStatus(env, row, 'GREY', row.status, reason);
    row = { ...row, status: 'GREY', statusReason: reason };
  }
  return plantOnly(row);
}
