import { z } from 'zod';
import { ErrorCode, GridtwinError } from './errors';
import { DEFAULT_PREFIX } from './subjects';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time';

/**
 * All configuration, parsed and validated once at start. Nothing else reads process.env.
 * Every option has its default here, once: a section left out is parsed from `{}` (`prefault`), so its
 * fields' own defaults apply. `loadConfig` maps GRIDTWIN_* / well-known env vars onto it.
 */
const ms = z.coerce.number().int().nonnegative();
/** "true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off" (any case); anything else is refused, never guessed. */
const bool = z.preprocess((v) => {
  if (typeof v === 'boolean' || v === undefined) return v;
  const t = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return v;
}, z.boolean({ error: 'expected one of true, false, 1, 0, yes, no, on, off' }));

/** The shortest secret that may sign node tokens (HS256). */
export const NODE_SECRET_MIN_BYTES = 32;

export const ConfigSchema = z.object({
  nodeId: z.string().min(1).default('node-1'),
  prefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default(DEFAULT_PREFIX),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  environment: z.enum(['development', 'test', 'production']).default('development'),
  /** Standalone = embedded PGlite + in-process bus + simulators; chosen explicitly, never as a fallback. */
  mode: z.enum(['standalone', 'production']).default('standalone'),
  database: z.object({
    url: z.string().optional(),
    /** PGlite data directory for the standalone node; `memory://` keeps nothing. */
    pgliteDir: z.string().default('.data/pglite'),
    poolMax: z.coerce.number().int().positive().default(10),
    /** Group commit: a write waits at most this long for others of its kind while one is in flight… */
    groupCommitWindowMs: z.coerce.number().nonnegative().max(1_000).default(2),
    /** …and a group of this many rows goes at once. */
    groupCommitMaxRows: z.coerce.number().int().positive().max(10_000).default(500),
  }).prefault({}),
  nats: z.object({
    url: z.string().optional(),
    name: z.string().default('gridtwin'),
    /**
     * Who may use the NATS request/reply API: `trusted` = every NATS client that can publish under the prefix
     * (gridtwin embedded in one operator's NATS account); `token` = only requests carrying `Authorization: Bearer
     * <jwt>` as a NATS header, authorized per endpoint like HTTP and WS (several organizations on one account).
     */
    auth: z.enum(['trusted', 'token']).default('trusted'),
  }).prefault({}),
  actors: z.object({
    /** A device actor with no message for this long is passivated (stopped, state dropped). */
    passivateAfterMs: ms.default(10 * MINUTE_MS),
    /** How long a request waits for an actor's reply. */
    askTimeoutMs: ms.default(15_000),
    /** Live actors per kind at most; past it the least recently used idle one is passivated. */
    maxLive: z.coerce.number().int().positive().default(250_000),
  }).prefault({}),
  interactions: z.object({
    /** A PROCESSING interaction with no outcome after this long is FAILED by reconciliation. */
    processingDeadlineMs: ms.default(120_000),
    /** Meter not seen for this long → new interactions are ABORTED by the gatekeeper. */
    abortWhenNotSeenForMs: ms.default(30 * DAY_MS),
    /** Commissioning steps for a meter not seen for this long are DEFERRED. */
    deferWhenNotSeenForMs: ms.default(HOUR_MS),
    /** Batch progress is recomputed at most once per this period (final counts always written). */
    batchRecountThrottleMs: ms.default(5_000),
    reconcileEveryMs: ms.default(15_000),
    /** An outbox row claimed by a runner is not taken by another sweep for this long (longer than a step with its retries). */
    outboxLeaseMs: ms.default(120_000),
  }).prefault({}),
  notify: z.object({
    orderWebhookUrl: z.string().url().optional(),
    telegramBaseUrl: z.string().url().default('https://api.telegram.org'),
    telegramBotToken: z.string().optional(),
    telegramChatId: z.string().optional(),
    maxAttempts: z.coerce.number().int().positive().default(5),
    initialBackoffMs: ms.default(500),
  }).prefault({}),
  analytics: z.object({ readReportUrl: z.string().url().optional() }).prefault({}),
  drivers: z.object({
    /** Simulated meters (when simulators are on): answer latency and the share of commands that time out, fleet-wide. */
    simulatedLatencyMs: ms.max(120_000).default(0),
    simulatedFailureRate: z.coerce.number().min(0).max(1).default(0),
    calinBaseUrl: z.string().url().optional(),
    calinCompany: z.string().optional(),
    calinUser: z.string().optional(),
    calinPassword: z.string().optional(),
    /** Calin API v1 remote-task (COMM) and maintenance accounts; default: the POS account above. */
    calinAdminUser: z.string().optional(),
    calinAdminPassword: z.string().optional(),
    calinMaintenanceUser: z.string().optional(),
    calinMaintenancePassword: z.string().optional(),
    /** Calin API v2 (CALIN_V2 meters). */
    calinV2BaseUrl: z.string().url().optional(),
    calinV2Company: z.string().optional(),
    calinV2User: z.string().optional(),
    calinV2Password: z.string().optional(),
    calinV2PosPassword: z.string().optional(),
    calinV2CustomerId: z.string().optional(),
    /** Poll Calin tasks at this fixed interval instead of the origin's 10–30 s ladder. */
    calinPollMs: z.coerce.number().int().positive().optional(),
    /** Serve CALIN_V1 / CALIN_V2 meters through the bundled Calin HTTP simulator (standalone `npm start`). */
    calinSimulator: bool.default(false),
    mqttUrl: z.string().optional(),
    chirpstackApplicationId: z.string().optional(),
    /** LoRaWAN payload format (adapters/meters/chirpstack/codec.ts LORAWAN_CODEC_NAMES). */
    chirpstackCodec: z.enum(['calin-dlt645', 'gridtwin-demo']).default('calin-dlt645'),
  }).prefault({}),
  emlite: z.object({
    deadlineMs: ms.default(75_000),
    perMediatorConcurrency: z.coerce.number().int().positive().default(32),
    tlsCaFile: z.string().optional(),
    tlsCertFile: z.string().optional(),
    tlsKeyFile: z.string().optional(),
  }).prefault({}),
  solar: z.object({
    /** 32-byte key (hex or base64) encrypting vendor credentials at rest. */
    credentialKey: z.string().optional(),
    pollCron: z.string().default('*/10 * * * *'),
    pollDeadlineMs: ms.default(1_200_000),
  }).prefault({}),
  gateway: z.object({
    enabled: bool.default(true),
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    jwtSecret: z.string().optional(),
    jwksUrl: z.string().url().optional(),
    /** Standalone only: accept unauthenticated clients as the demo organization's operator. */
    allowAnonymous: bool.default(false),
    maxBackpressureBytes: z.coerce.number().int().positive().default(1 << 20),
    maxPayloadBytes: z.coerce.number().int().positive().default(64 * 1024),
    maxTopicsPerSocket: z.coerce.number().int().positive().default(256),
    idleTimeoutSec: z.coerce.number().int().positive().default(60),
  }).prefault({}),
  cluster: z.object({
    partitions: z.coerce.number().int().positive().max(4096).default(256),
    leaseTtlMs: ms.default(3_000),
    enabled: bool.default(false),
    /**
     * Signs the short-lived tokens of a node's own requests (uplink delivery, sweep syncs) in NATS auth mode `token`;
     * shared by all nodes. Default: `gateway.jwtSecret`; needed when tokens are verified by JWKS only.
     */
    nodeSecret: z.string().optional(),
  }).prefault({}),
  simulators: z.object({
    /** Start the bundled simulators (meters, mediator, vendor clouds). Default: on in standalone. */
    enabled: bool.optional(),
    seedFleet: bool.default(true),
  }).prefault({}),
}).superRefine((c, ctx) => {
  if (c.nats.auth !== 'token') return;
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (!c.gateway.jwtSecret && !c.gateway.jwksUrl) issue(['nats', 'auth'], 'token needs a way to verify tokens: set JWT_SECRET or JWKS_URL');
  // The anonymous demo operator has no token the gateway could forward: every request would be refused.
  if (c.gateway.allowAnonymous) issue(['nats', 'auth'], 'token cannot serve anonymous gateway clients: set GATEWAY_ALLOW_ANONYMOUS=false');
  // A cluster node's own requests (uplink delivery, sweep syncs) carry a node token signed with a secret all nodes share.
  if (c.cluster.enabled) {
    const [path, secret] = c.cluster.nodeSecret !== undefined ? [['cluster', 'nodeSecret'], c.cluster.nodeSecret] : [['gateway', 'jwtSecret'], c.gateway.jwtSecret];
    if (secret === undefined) issue(['cluster', 'nodeSecret'], 'token with GRIDTWIN_CLUSTER=true and JWKS_URL only needs a secret shared by the nodes to sign their own requests');
    // RFC 7518 §3.2: an HS256 key is at least as long as the hash output (256 bits).
    else if (Buffer.byteLength(secret, 'utf8') < NODE_SECRET_MIN_BYTES) issue(path, `signs the cluster's node tokens (HS256): at least ${NODE_SECRET_MIN_BYTES} bytes`);
  }
});

export type Config = z.infer<typeof ConfigSchema>;
/** Every default, for an adapter whose own options fall back to the node's (one source: the schema above). */
export const CONFIG_DEFAULTS: Config = ConfigSchema.parse({});
export type ConfigInput = z.input<typeof ConfigSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function parseConfig(input: DeepPartial<Config> | unknown): Config {
  const r = ConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid configuration', {
      details: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return r.data;
}

/** Maps environment variables onto the config. The only place that reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const pick = <T extends Record<string, string | undefined>>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
  const databaseUrl = env.DATABASE_URL;
  const natsUrl = env.NATS_URL;
  const production = Boolean(databaseUrl && natsUrl);
  if (Boolean(databaseUrl) !== Boolean(natsUrl)) {
    throw new GridtwinError(
      ErrorCode.VALIDATION_FAILED,
      'set both DATABASE_URL and NATS_URL for a production node, or neither for the standalone node',
    );
  }
  try {
    return parseConfig(fromEnv(env, pick, production));
  } catch (e) {
    throw namedAfterEnv(e, env);
  }
}

/** Which environment variable sets each option (the first that is set wins where two are listed). */
const ENV_OF: Record<string, string[]> = {
  nodeId: ['GRIDTWIN_NODE_ID'], prefix: ['GRIDTWIN_PREFIX'], logLevel: ['LOG_LEVEL'], environment: ['GRIDTWIN_ENV'],
  'database.url': ['DATABASE_URL'], 'database.pgliteDir': ['GRIDTWIN_PGLITE_DIR'], 'database.poolMax': ['DATABASE_POOL_MAX'],
  'database.groupCommitWindowMs': ['GRIDTWIN_GROUP_COMMIT_WINDOW_MS'], 'database.groupCommitMaxRows': ['GRIDTWIN_GROUP_COMMIT_MAX_ROWS'], 'nats.url': ['NATS_URL'],
  'nats.auth': ['GRIDTWIN_NATS_AUTH'],
  'notify.orderWebhookUrl': ['ORDER_WEBHOOK_URL'], 'notify.telegramBaseUrl': ['TELEGRAM_BASE_URL'], 'notify.telegramBotToken': ['TELEGRAM_BOT_TOKEN'],
  'notify.telegramChatId': ['TELEGRAM_CHAT_ID'], 'analytics.readReportUrl': ['ANALYTICS_READ_REPORT_URL'],
  'drivers.calinBaseUrl': ['CALIN_BASE_URL'], 'drivers.calinCompany': ['CALIN_COMPANY'], 'drivers.calinUser': ['CALIN_USER'], 'drivers.calinPassword': ['CALIN_PASSWORD'],
  'drivers.mqttUrl': ['MQTT_URL'], 'drivers.chirpstackApplicationId': ['CHIRPSTACK_APPLICATION_ID'],
  'emlite.deadlineMs': ['EMLITE_DEADLINE_MS'], 'emlite.tlsCaFile': ['EMLITE_TLS_CA'], 'emlite.tlsCertFile': ['EMLITE_TLS_CERT'], 'emlite.tlsKeyFile': ['EMLITE_TLS_KEY'],
  'solar.credentialKey': ['GRIDTWIN_CREDENTIAL_KEY'], 'solar.pollCron': ['SOLAR_POLL_CRON'],
  'gateway.host': ['GATEWAY_HOST'], 'gateway.port': ['GATEWAY_PORT', 'PORT'], 'gateway.jwtSecret': ['JWT_SECRET'], 'gateway.jwksUrl': ['JWKS_URL'],
  'gateway.allowAnonymous': ['GATEWAY_ALLOW_ANONYMOUS'], 'cluster.partitions': ['GRIDTWIN_PARTITIONS'], 'cluster.leaseTtlMs': ['GRIDTWIN_LEASE_TTL_MS'],
  'cluster.enabled': ['GRIDTWIN_CLUSTER'], 'cluster.nodeSecret': ['GRIDTWIN_NODE_SECRET'], 'simulators.enabled': ['GRIDTWIN_SIMULATORS'],
  'drivers.simulatedLatencyMs': ['GRIDTWIN_SIM_LATENCY_MS'], 'drivers.simulatedFailureRate': ['GRIDTWIN_SIM_FAILURE_RATE'],
};
/** Secrets are named, never echoed. */
const SECRET_ENV = new Set(['DATABASE_URL', 'NATS_URL', 'TELEGRAM_BOT_TOKEN', 'CALIN_PASSWORD', 'GRIDTWIN_CREDENTIAL_KEY', 'JWT_SECRET', 'GRIDTWIN_NODE_SECRET', 'MQTT_URL']);

/** A configuration error that names the environment variable, its value (unless secret) and what is allowed. */
function namedAfterEnv(e: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!(e instanceof GridtwinError) || !Array.isArray(e.details)) return e;
  const details = (e.details as Array<{ path: string; message: string }>).map((d) => {
    const name = ENV_OF[d.path]?.find((n) => env[n] !== undefined && env[n] !== '') ?? ENV_OF[d.path]?.[0];
    const value = name && env[name] !== undefined ? (SECRET_ENV.has(name) ? ' (value hidden)' : ` = ${JSON.stringify(env[name])}`) : '';
    return { ...d, env: name ?? null, message: `${name ?? d.path}${value}: ${d.message}` };
  });
  return new GridtwinError(e.code, `invalid configuration: ${details.map((d) => d.message).join('; ')}`, { details, cause: e });
}

type Pick = <T extends Record<string, string | undefined>>(o: T) => Record<string, string | undefined>;

function fromEnv(env: NodeJS.ProcessEnv, pick: Pick, production: boolean): unknown {
  return {
    ...pick({ nodeId: env.GRIDTWIN_NODE_ID, prefix: env.GRIDTWIN_PREFIX, logLevel: env.LOG_LEVEL, environment: env.GRIDTWIN_ENV }),
    mode: production ? 'production' : 'standalone',
    database: pick({
      url: env.DATABASE_URL, pgliteDir: env.GRIDTWIN_PGLITE_DIR, poolMax: env.DATABASE_POOL_MAX,
      groupCommitWindowMs: env.GRIDTWIN_GROUP_COMMIT_WINDOW_MS, groupCommitMaxRows: env.GRIDTWIN_GROUP_COMMIT_MAX_ROWS,
    }),
    nats: pick({ url: env.NATS_URL, auth: env.GRIDTWIN_NATS_AUTH }),
    notify: pick({
      orderWebhookUrl: env.ORDER_WEBHOOK_URL,
      telegramBaseUrl: env.TELEGRAM_BASE_URL,
      telegramBotToken: env.TELEGRAM_BOT_TOKEN,
      telegramChatId: env.TELEGRAM_CHAT_ID,
    }),
    analytics: pick({ readReportUrl: env.ANALYTICS_READ_REPORT_URL }),
    drivers: pick({
      calinBaseUrl: env.CALIN_BASE_URL, calinCompany: env.CALIN_COMPANY, calinUser: env.CALIN_USER,
      calinPassword: env.CALIN_PASSWORD, mqttUrl: env.MQTT_URL, chirpstackApplicationId: env.CHIRPSTACK_APPLICATION_ID,
      calinAdminUser: env.CALIN_ADMIN_USER, calinAdminPassword: env.CALIN_ADMIN_PASSWORD,
      calinMaintenanceUser: env.CALIN_MAINTENANCE_USER, calinMaintenancePassword: env.CALIN_MAINTENANCE_PASSWORD,
      calinV2BaseUrl: env.CALIN_V2_BASE_URL, calinV2Company: env.CALIN_V2_COMPANY, calinV2User: env.CALIN_V2_USER,
      calinV2Password: env.CALIN_V2_PASSWORD, calinV2PosPassword: env.CALIN_V2_POS_PASSWORD, calinV2CustomerId: env.CALIN_V2_CUSTOMER_ID,
      calinPollMs: env.CALIN_POLL_MS, chirpstackCodec: env.CHIRPSTACK_CODEC,
      simulatedLatencyMs: env.GRIDTWIN_SIM_LATENCY_MS, simulatedFailureRate: env.GRIDTWIN_SIM_FAILURE_RATE,
      calinSimulator: env.GRIDTWIN_CALIN_SIMULATOR ?? (production ? undefined : 'true'),
    }),
    emlite: pick({ deadlineMs: env.EMLITE_DEADLINE_MS, tlsCaFile: env.EMLITE_TLS_CA, tlsCertFile: env.EMLITE_TLS_CERT, tlsKeyFile: env.EMLITE_TLS_KEY }),
    solar: pick({ credentialKey: env.GRIDTWIN_CREDENTIAL_KEY, pollCron: env.SOLAR_POLL_CRON }),
    gateway: pick({
      host: env.GATEWAY_HOST, port: env.GATEWAY_PORT ?? env.PORT, jwtSecret: env.JWT_SECRET, jwksUrl: env.JWKS_URL,
      allowAnonymous: env.GATEWAY_ALLOW_ANONYMOUS ?? (production ? undefined : 'true'),
    }),
    cluster: pick({ partitions: env.GRIDTWIN_PARTITIONS, leaseTtlMs: env.GRIDTWIN_LEASE_TTL_MS, enabled: env.GRIDTWIN_CLUSTER, nodeSecret: env.GRIDTWIN_NODE_SECRET }),
    simulators: pick({ enabled: env.GRIDTWIN_SIMULATORS }),
  };
}
