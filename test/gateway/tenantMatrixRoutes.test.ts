import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './helpers';
import { createTenantWorld, type TenantWorld } from './tenantWorld';

/**
 * The tenant matrix over every HTTP route of /openapi.json and every WS command and topic (issue 11): a token of
 * org-a, whatever its role, tries org-b's resources; every attempt is refused with 403 FORBIDDEN, no string of
 * org-b's resources appears in the answer, and nothing is written. Lists and aggregates answer the caller's own
 * organization only, and all of it. A route the tables below do not cover fails the coverage test.
 */
let w: TenantWorld;
beforeAll(async () => {
  w = await createTenantWorld();
}, 120_000);
afterAll(() => w?.stop());

type Role = 'viewer' | 'operator' | 'admin';
const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const INTRUDER = 'org-a';
const OWNER = 'org-b';

type Json = Record<string, any>;
interface Operation { method: string; path: string; operationId: string; query: string[]; hasBody: boolean; body?: Json }
interface Attempt { path: Record<string, string>; query?: Record<string, string>; body?: unknown; why: string }

/** Operations that name no organization's resource (none today), each with its reason. */
const NOT_PER_ORGANIZATION: Record<string, string> = {};

/** org-b's resources, by path parameter name: meters with a grid, EMLITE by ESCO and by explicit organization. */
const victims = (): Record<string, string[]> => ({
  meterId: ['mb', 'eb', 'eb2'], gridId: ['gb'], dcuId: ['db'], plantId: ['pb'], alertId: ['alb'], batchId: ['bb'],
  commissioningId: ['cb'], interactionId: [w.ids.interactionB], credentialId: ['cred-b'], organizationId: [OWNER], esco: [OWNER, 'esco-b'],
});

/** Query parameters of lists that name a resource: org-b's value is refused. */
const RESOURCE_FILTERS: Record<string, string[]> = { organizationId: [OWNER], gridId: ['gb'], plantId: ['pb'], meterId: ['mb', 'eb'], esco: ['esco-b', OWNER] };
/** Query parameters that name no resource (a new parameter must be put in one of these two tables). */
const PLAIN_FILTERS = new Set(['status', 'type', 'limit', 'cursor', 'from', 'to', 'bucket', 'health', 'protocol', 'brand', 'state', 'by']);

/**
 * The smallest body its JSON Schema accepts (required properties only): writes without an entry in BODIES are tried
 * with it, so a new route with a path parameter is covered as it lands. A body it gets wrong is answered 400, not
 * 403, and the matrix names the route (give it a BODIES entry then).
 */
function minimalBody(schema: Json | undefined): unknown {
  if (!schema) return {};
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (branches?.length) return minimalBody(branches.find((b) => b.type !== 'null') ?? branches[0]);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Json>).filter(([k]) => required.has(k)).map(([k, v]) => [k, minimalBody(v)]));
    }
    case 'array': return Array.from({ length: schema.minItems ?? 0 }, () => minimalBody(schema.items));
    case 'string': return schema.format === 'date-time' ? new Date().toISOString() : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'number': case 'integer': return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
    case 'boolean': return false;
    case 'null': return null;
    default: return {};
  }
}

/** Body fields that name an organization's resource: a write without a path parameter is tried with org-b's value in each. */
const bodyRefs = (): Record<string, unknown[]> => ({
  meterId: ['mb', 'eb', 'eb2'], meterIds: [['ma', 'mb'], ['eb2']], organizationId: [OWNER], gridId: ['gb'], dcuId: ['db'], plantId: ['pb'],
  credentialId: ['cred-b'], esco: ['esco-b'], meterExternalReference: ['XREF-MB-0001'], alertId: ['alb'], issueId: [w.ids.issues.mb],
});

/** A body per write where the smallest one will not do: it names the caller's own grid, organization or credential (a takeover). */
const BODIES: Record<string, (id: string) => unknown> = {
  upsertMeter: () => ({ serial: 'TAKEOVER1', protocol: 'CALIN_V2', gridId: 'ga' }),
  closeIssue: () => ({ issueId: w.ids.issues.mb }),
  upsertGrid: () => ({ organizationId: INTRUDER, name: 'taken over' }),
  upsertDcu: () => ({ gridId: 'ga', externalReference: 'DCU-TAKEN' }),
  upsertPlant: () => ({ organizationId: INTRUDER, credentialId: 'cred-a', vendorPlantId: 'v-taken', name: 'taken over', timezone: 'UTC' }),
  upsertCredential: () => ({ organizationId: INTRUDER, brand: 'SOLIS', credentials: { keyId: 'k', keySecret: 's' } }),
};

/** Attempts a path parameter cannot express: org-b's resources named in a body, or the caller's own path with org-b's reference. */
const EXTRA: Record<string, () => Attempt[]> = {
  // org-b's idempotency key on an own meter is not refused: keys are per meter (a test of its own, below: it writes).
  closeIssue: () => [{ path: { meterId: 'ma' }, body: { issueId: w.ids.issues.mb }, why: "org-b's issue through an own meter" }],
  createCommissioning: () => ['mb', 'eb', 'eb2'].map((meterId) => ({ path: {}, body: { meterId, steps: [{ type: 'READ_CREDIT' }] }, why: `meter ${meterId}` })),
  createBatch: () => [
    { path: {}, body: { type: 'READ_CREDIT', meterIds: ['ma', 'mb'] }, why: 'an own meter and one of org-b' },
    { path: {}, body: { type: 'READ_CREDIT', meterIds: ['eb2'] }, why: 'an EMLITE meter of org-b' },
    { path: {}, body: { type: 'READ_CREDIT', meterIds: ['ma'], organizationId: OWNER }, why: "an own meter in org-b's name" },
  ],
  upsertMeter: () => [
    { path: { meterId: 'new-meter-x' }, body: { serial: 'NEWX1', protocol: 'CALIN_V2', gridId: 'gb' }, why: "a new meter on org-b's grid" },
    { path: { meterId: 'new-meter-x' }, body: { serial: 'NEWX1', protocol: 'CALIN_V2', gridId: 'ga', dcuId: 'db' }, why: "a new meter on org-b's DCU" },
    { path: { meterId: 'new-meter-x' }, body: { serial: 'NEWX1', protocol: 'EMLITE', organizationId: INTRUDER, esco: 'esco-b' }, why: "a new meter in org-b's ESCO" },
    { path: { meterId: 'new-meter-x' }, body: { serial: 'NEWX1', protocol: 'EMLITE', organizationId: INTRUDER, esco: OWNER }, why: 'a new meter in an ESCO named after org-b' },
    { path: { meterId: 'new-meter-x' }, body: { serial: 'NEWX1', protocol: 'EMLITE', organizationId: OWNER, esco: 'esco-new' }, why: "a new meter in org-b's name" },
  ],
  upsertGrid: () => [{ path: { gridId: 'new-grid-x' }, body: { organizationId: OWNER, name: 'planted' }, why: "a new grid in org-b's name" }],
  upsertDcu: () => [{ path: { dcuId: 'new-dcu-x' }, body: { gridId: 'gb', externalReference: 'DCU-PLANTED' }, why: "a new DCU on org-b's grid" }],
  upsertPlant: () => [
    { path: { plantId: 'new-plant-x' }, body: { organizationId: INTRUDER, credentialId: 'cred-b', vendorPlantId: 'v-x', name: 'x', timezone: 'UTC' }, why: "a new plant with org-b's credential" },
    { path: { plantId: 'new-plant-x' }, body: { organizationId: OWNER, credentialId: 'cred-b', vendorPlantId: 'v-x', name: 'x', timezone: 'UTC' }, why: "a new plant in org-b's name" },
  ],
  upsertCredential: () => [{ path: { credentialId: 'new-cred-x' }, body: { organizationId: OWNER, brand: 'SOLIS', credentials: { keyId: 'k', keySecret: 's' } }, why: "a new credential in org-b's name" }],
};

/** The status a refused attempt gets: 403, except where the request is the caller's own and only its answer could leak. */
const EXPECTED: Record<string, (role: Role) => number> = {
  // The meter is the caller's; org-b's issue is not one of its issues.
  "closeIssue org-b's issue through an own meter": (role) => (role === 'viewer' ? 403 : 404),
};

async function operations(): Promise<Operation[]> {
  const doc = (await w.http('GET', '/openapi.json', undefined)).body as { paths: Record<string, Record<string, any>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(), path, operationId: op.operationId as string,
    query: ((op.parameters ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'query').map((p) => p.name),
    hasBody: op.requestBody !== undefined,
    body: op.requestBody?.content?.['application/json']?.schema as Json | undefined,
  })));
}

/** Every attempt on org-b's data for one operation; a string when the tables cannot cover it (the coverage test lists them). */
function attemptsFor(op: Operation): Attempt[] | string {
  const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const out: Attempt[] = [];
  const v = victims();
  if (params.length > 1) return `${op.operationId}: more than one path parameter`;
  if (params.length === 1) {
    const ids = v[params[0]!];
    if (!ids) return `${op.operationId}: no org-b resource for path parameter ${params[0]}`;
    const body = BODIES[op.operationId] ?? (() => minimalBody(op.body));
    for (const id of ids) out.push({ path: { [params[0]!]: id }, body: op.hasBody ? body(id) : undefined, why: `${params[0]} ${id}` });
  } else if (op.hasBody && !EXTRA[op.operationId]) {
    const base = minimalBody(op.body) as Record<string, unknown>;
    for (const [field, values] of Object.entries(bodyRefs())) {
      if (!(field in (op.body?.properties ?? {}))) continue;
      for (const value of values) out.push({ path: {}, body: { ...base, [field]: value }, why: `${field} ${JSON.stringify(value)}` });
    }
  }
  if (op.method === 'GET') {
    for (const q of op.query) {
      if (PLAIN_FILTERS.has(q)) continue;
      const values = RESOURCE_FILTERS[q];
      if (!values) return `${op.operationId}: query parameter ${q} is in neither RESOURCE_FILTERS nor PLAIN_FILTERS`;
      for (const value of values) out.push({ path: params.length ? out[0]!.path : {}, query: { [q]: value }, why: `${q}=${value}` });
    }
  }
  out.push(...(EXTRA[op.operationId]?.() ?? []));
  if (!out.length) return `${op.operationId}: no attempt on org-b's data (add to EXTRA, or to NOT_PER_ORGANIZATION with a reason)`;
  return out;
}

const urlOf = (op: Operation, a: Attempt) => {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(a.path[name] ?? ''));
  return a.query ? `${path}?${new URLSearchParams(a.query)}` : path;
};

/** The strings of the body that are org-b's and were not in the request itself (an id the caller named may be echoed). */
function leaks(body: unknown, request: string): string[] {
  const ids = ['mb', 'eb', 'eb2', 'gb', 'db', 'pb', 'alb', 'bb', 'cb', 'ceb', 'cred-b', 'esco-b', OWNER];
  const long = w.sentinels[OWNER].filter((x) => !request.includes(x));
  const exact = new Set(ids.filter((x) => !request.includes(x)));
  const found = new Set<string>();
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      if (exact.has(x)) found.add(x);
      for (const s of long) if (x.includes(s)) found.add(s);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(body);
  return [...found];
}

describe('tenant matrix over every route of /openapi.json (issue 11)', () => {
  it('covers every operation: each has attempts on org-b\'s data, or a reason it is not per organization', async () => {
    const ops = await operations();
    const { API_ROUTES } = await import('../../gateway/http/api');
    expect(ops.map((o) => o.operationId).sort()).toEqual(API_ROUTES.map((r) => r.operationId).sort());
    const uncovered = ops.filter((o) => !(o.operationId in NOT_PER_ORGANIZATION)).map(attemptsFor).filter((x): x is string => typeof x === 'string');
    expect(uncovered).toEqual([]);
    // Every table entry names a served operation (a renamed route cannot leave a dead entry behind).
    const ids = new Set(ops.map((o) => o.operationId));
    expect([...Object.keys(BODIES), ...Object.keys(EXTRA), ...Object.keys(NOT_PER_ORGANIZATION)].filter((x) => !ids.has(x))).toEqual([]);
  });

  it("a token of org-a, whatever its role, is refused on org-b's data by every route, leaks none of it, and writes nothing", async () => {
    const ops = (await operations()).filter((o) => !(o.operationId in NOT_PER_ORGANIZATION));
    const before = await w.writes();
    const misses: string[] = [];
    let checked = 0;
    for (const role of ROLES) {
      const tk = await w.tokenFor(INTRUDER, role);
      for (const op of ops) {
        for (const a of attemptsFor(op) as Attempt[]) {
          const url = urlOf(op, a);
          const r = await w.http(op.method, url, tk, a.body ?? (op.hasBody ? {} : undefined));
          const want = EXPECTED[`${op.operationId} ${a.why}`]?.(role) ?? 403;
          const codeOk = r.body?.error?.code === (want === 403 ? 'FORBIDDEN' : want === 404 ? 'NOT_FOUND' : 'IDEMPOTENCY_KEY_REUSED');
          if (r.status !== want || !codeOk) misses.push(`${role} ${op.method} ${url} (${a.why}): ${r.status} ${r.text.slice(0, 160)}`);
          const leaked = leaks(r.body, url + JSON.stringify(a.body ?? {}));
          if (leaked.length) misses.push(`${role} ${op.method} ${url} (${a.why}) leaks ${leaked.join(', ')}: ${r.text.slice(0, 200)}`);
          checked++;
        }
      }
    }
    console.log(`tenant matrix (HTTP): ${checked} attempts over ${ops.length} operations × ${ROLES.length} roles, ${misses.length} misses`);
    expect(misses).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(ops.length * ROLES.length);
    expect(await w.writes()).toEqual(before);
  });

  it("the same reads by org-b's own admin are answered and carry org-b's data (the leak check can see a leak)", async () => {
    const tk = await w.tokenFor(OWNER, 'admin');
    const misses: string[] = [];
    const carrying = new Set<string>();
    const reads = (await operations()).filter((o) => o.method === 'GET');
    for (const op of reads) {
      for (const a of (attemptsFor(op) as Attempt[]).filter((x) => !x.query || x.query.organizationId === OWNER)) {
        const url = urlOf(op, a);
        const r = await w.http('GET', url, tk);
        // No sweep of an ESCO has run in this world: its status is NOT_FOUND to its owner too (never FORBIDDEN).
        const answered = r.status === 200 || (op.operationId === 'escoSyncStatus' && r.body?.error?.code === 'NOT_FOUND');
        if (!answered) misses.push(`${url}: ${r.status} ${r.text.slice(0, 120)}`);
        if (leaks(r.body, '').length) carrying.add(op.operationId);
      }
    }
    expect(misses).toEqual([]);
    // Series and counts carry no names (the aggregate test checks their numbers); every other read shows org-b's strings.
    const nameless = (id: string) => /History$/.test(id) || id === 'getOverview' || id === 'escoSyncStatus';
    expect(reads.map((o) => o.operationId).filter((id) => !nameless(id) && !carrying.has(id))).toEqual([]);
  });

  it("lists and aggregates answer the caller's organization only, and all of it (EMLITE meters without a grid included)", async () => {
    const truth = async (org: string) => {
      const ids = async (q: string) => (await w.db.sql.all<{ id: string }>(q, [org])).map((r) => r.id).sort();
      const n = async (q: string) => Number((await w.db.sql.one<{ n: string | number }>(q, [org]))!.n);
      return {
        meters: await ids(`select id from meters where organization_id = ?`),
        plants: await ids(`select id from plants where organization_id = ?`),
        alerts: await ids(`select id from alerts where organization_id = ?`),
        issues: await ids(`select i.id from issues i join meters m on m.id = i.meter_id where m.organization_id = ?`),
        batches: await ids(`select id from batch_executions where organization_id = ?`),
        commissionings: await ids(`select c.id from meter_commissionings c join meters m on m.id = c.meter_id where m.organization_id = ?`),
        outcomes: await n(`select count(*) as n from meter_interactions i join meters m on m.id = i.meter_id
                           where m.organization_id = ? and i.status in ('SUCCESSFUL','FAILED','ABORTED','EXPIRED','SUPERSEDED')`),
        polls: await n(`select count(*) as n from poll_logs l join plants p on p.id = l.plant_id where p.organization_id = ?`),
        openIssues: await n(`select count(*) as n from issues i join meters m on m.id = i.meter_id where m.organization_id = ? and i.status = 'OPEN'`),
      };
    };
    const sorted = (xs: Array<{ id: string }>) => xs.map((x) => x.id).sort();
    const sum = (series: Array<Record<string, number>>, keys: string[]) => series.reduce((n, b) => n + keys.reduce((m, k) => m + (b[k] ?? 0), 0), 0);
    const week = `from=${encodeURIComponent(new Date(Date.now() - 7 * 86_400_000).toISOString())}&bucket=1d`;
    for (const org of [INTRUDER, OWNER]) {
      const t = await truth(org);
      expect(t.meters.length * t.issues.length * t.commissionings.length * t.outcomes * t.polls).toBeGreaterThan(0);
      for (const role of ROLES) {
        const tk = await w.tokenFor(org, role);
        const get = async (path: string) => {
          const r = await w.http('GET', path, tk);
          expect(r.status, `${org} ${role} ${path}: ${r.text.slice(0, 200)}`).toBe(200);
          return r.body.data;
        };
        const seen = {
          meters: sorted((await get('/api/meters')).items),
          plants: sorted((await get('/api/plants')).items),
          alerts: sorted((await get('/api/alerts')).alerts),
          issues: sorted((await get('/api/issues')).items),
          batches: sorted((await get('/api/batches')).items),
          commissionings: sorted((await get('/api/commissionings')).items),
          outcomes: sum((await get(`/api/history/interactions?${week}`)).series, ['successful', 'failed', 'aborted', 'other']),
          polls: sum((await get(`/api/history/polls?${week}`)).series, ['success', 'partial', 'failed', 'skipped']),
          openIssues: (await get('/api/overview')).openIssues as number,
        };
        expect(seen, `${org} as ${role}`).toEqual(t);
        const overview = await get('/api/overview');
        expect(Object.values(overview.meters as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(t.meters.length);
        expect(Object.values(overview.plants as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(t.plants.length);
      }
    }
  });

  it("org-b's idempotency key used by org-a is org-a's own: keys are per meter, so it neither meets nor reveals org-b's interaction", async () => {
    const tk = await w.tokenFor(INTRUDER, 'operator');
    const body = { type: 'READ_VERSION', idempotencyKey: 'seed-ib-key-of-org-b' };
    const r = await w.http('POST', '/api/meters/ma/interactions', tk, body);
    expect([r.status, r.body?.data?.meterId, r.body?.data?.replayed]).toEqual([201, 'ma', undefined]);
    expect(r.body.data.id).not.toBe(w.ids.interactionB);
    expect(leaks(r.body, JSON.stringify(body))).toEqual([]);
    // the same caller again is replayed its own interaction; org-b's is untouched
    const again = await w.http('POST', '/api/meters/ma/interactions', tk, body);
    expect([again.body?.data?.id, again.body?.data?.replayed]).toEqual([r.body.data.id, true]);
    const rows = await w.db.sql.all<{ meter_id: string; interaction_type: string }>(
      `select meter_id, interaction_type from meter_interactions where idempotency_key = ? order by meter_id`, [body.idempotencyKey]);
    expect(rows.map((x) => [x.meter_id, x.interaction_type])).toEqual([['ma', 'READ_VERSION'], ['mb', 'READ_CREDIT']]);
  });
});

/** WS commands on org-b's data, per command (the coverage check fails while a command has none). */
const WS_ATTEMPTS: Record<string, () => Array<Record<string, unknown>>> = {
  createInteraction: () => ['mb', 'eb', 'eb2'].map((meterId) => ({ meterId, type: 'TURN_OFF' })),
  getMeter: () => ['mb', 'eb', 'eb2'].map((meterId) => ({ meterId })),
  getGrid: () => [{ gridId: 'gb' }],
  pollPlant: () => [{ plantId: 'pb' }],
  ackAlert: () => [{ alertId: 'alb' }],
  listAlerts: () => [{ organizationId: OWNER }],
};
/** org-b's topics, per topic kind. */
const WS_TOPICS: Record<string, string[]> = {
  meter: ['meter/mb', 'meter/eb', 'meter/eb2'], grid: ['grid/gb'], plant: ['plant/pb'], alerts: [`alerts/${OWNER}`], esco: [`esco/${OWNER}/sync`, 'esco/esco-b/sync'],
  telemetry: ['telemetry/meter/mb', 'telemetry/meter/eb', 'telemetry/plant/pb'],
};

describe('tenant matrix over every WS command and topic (issue 11)', () => {
  it('covers every command and topic kind', async () => {
    const { COMMAND_NAMES } = await import('../../gateway/ws/commands');
    const { TOPIC_KINDS } = await import('../../gateway/ws/topics');
    expect(Object.keys(WS_ATTEMPTS).sort()).toEqual([...COMMAND_NAMES].sort());
    expect(Object.keys(WS_TOPICS).sort()).toEqual([...TOPIC_KINDS].sort());
  });

  it("a socket of org-a, whatever its role, is refused every command and topic on org-b's data, leaks none of it and receives none of org-b's events", async () => {
    const { resolveTopic } = await import('../../gateway/ws/topics');
    const before = await w.writes();
    const misses: string[] = [];
    let checked = 0;
    const owner = await Client.connect(w.wsUrl, { token: await w.tokenFor(OWNER, 'viewer') });
    const intruders: Client[] = [];
    try {
      const topics = Object.values(WS_TOPICS).flat();
      // The owner's socket receives every feed below; an ESCO without a sweep has no snapshot yet (NOT_FOUND, never FORBIDDEN).
      const live: string[] = [];
      for (const t of topics) {
        const m = await owner.subscribe(t);
        if (m.type === 'snapshot') live.push(t);
        else expect(m, t).toMatchObject({ type: 'error', code: 'NOT_FOUND', topic: expect.stringMatching(/^esco\//) });
      }
      for (const role of ROLES) {
        const c = await Client.connect(w.wsUrl, { token: await w.tokenFor(INTRUDER, role) });
        intruders.push(c);
        for (const [command, args] of Object.entries(WS_ATTEMPTS)) {
          for (const a of args()) {
            const reply = await c.command(command, a);
            if (reply.error?.code !== 'FORBIDDEN') misses.push(`${role} ${command} ${JSON.stringify(a)}: ${JSON.stringify(reply).slice(0, 160)}`);
            const leaked = leaks(reply, JSON.stringify(a));
            if (leaked.length) misses.push(`${role} ${command} leaks ${leaked.join(', ')}`);
            checked++;
          }
        }
        for (const t of topics) {
          const m = await c.subscribe(t);
          if (m.type !== 'error' || m.code !== 'FORBIDDEN') misses.push(`${role} subscribe ${t}: ${JSON.stringify(m).slice(0, 160)}`);
          if (leaks(m, t).length) misses.push(`${role} subscribe ${t} leaks ${leaks(m, t).join(', ')}`);
          checked++;
        }
      }
      // An event on every feed of org-b's topics: the owner's socket gets each, the refused sockets none.
      let n = 0;
      for (const t of live) {
        for (const feed of resolveTopic(t, w.s)!.feeds) {
          const marker = `event-of-${OWNER}-${++n}`;
          const got = owner.next((m) => m.type === 'event' && m.topic === t && JSON.stringify(m).includes(marker));
          w.node.bus.publish(feed.subject, { id: marker, marker, at: new Date().toISOString(), organizationId: OWNER, meterId: 'mb', interaction: { id: marker } });
          await got;
        }
      }
      expect(n).toBeGreaterThanOrEqual(topics.length - 2);
      for (const c of intruders) {
        // A reply after the events: anything the hub sent this socket before it has arrived.
        await c.command('getMeter', { meterId: 'ma' });
        const foreign = c.messages.filter((m) => m.type === 'event' || m.type === 'snapshot');
        if (foreign.length) misses.push(`events reached org-a: ${JSON.stringify(foreign).slice(0, 200)}`);
      }
    } finally {
      owner.close();
      for (const c of intruders) c.close();
    }
    console.log(`tenant matrix (WS): ${checked} attempts (${Object.keys(WS_ATTEMPTS).length} commands, ${Object.values(WS_TOPICS).flat().length} topics × ${ROLES.length} roles)`);
    expect(misses).toEqual([]);
    expect(await w.writes()).toEqual(before);
  });
});
