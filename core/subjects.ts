import { ErrorCode, GridtwinError } from './errors';
import { SUBJECT_SAFE_ID } from './ids';
import { METER_SIM_ACTIONS, PLANT_SIM_ACTIONS, type MeterSimAction, type PlantSimAction } from './simulatorControls';

/**
 * Every NATS subject and WebSocket topic gridtwin uses is defined here, and only here. One definition per
 * family (`meter.{meterId}.get`, the AsyncAPI channel notation) gives the wildcard pattern a service
 * subscribes to, the builder of a concrete subject and the parser that returns its typed ids. Builders
 * trust their ids (check them with core/ids.ts at the edge); parsers never do.
 */
export const DEFAULT_PREFIX = 'gridtwin';

export type HistoryKind = 'meter.credit' | 'meter.reads' | 'meter.intervals' | 'plant.energy' | 'plant.power' | 'polls' | 'interactions';

export type RegistryKind = 'organization' | 'grid' | 'dcu' | 'meter' | 'plant' | 'credential';

// `{name}` is one id token; `{>name}` (last only) is the rest of the subject, one or more tokens.
type SlotOf<T extends string> = T extends `{>${infer N}}` ? [N] : T extends `{${infer N}}` ? [N] : [];
type SlotsOf<S extends string, Sep extends string> = S extends `${infer H}${Sep}${infer R}` ? [...SlotOf<H>, ...SlotsOf<R, Sep>] : SlotOf<S>;
type Args<N extends readonly string[]> = { [K in keyof N]: string };
export type IdsOf<N extends readonly string[]> = { [K in N[number]]: string };

export type Parsed<I> = { ok: true; ids: I } | { ok: false; error: GridtwinError };

export interface Family<N extends readonly string[] = readonly string[]> {
  /** The concrete subject (same as `build`). */
  (...ids: Args<N>): string;
  /** The definition without the prefix, e.g. `meter.{meterId}.get`. */
  readonly spec: string;
  /** What a service subscribes to: each id is `*`, a rest is `>`. */
  readonly pattern: string;
  build(...ids: Args<N>): string;
  /** The ids of a subject of this family, or INVALID_ID (an id that is not one safe token) / UNKNOWN_SUBJECT. */
  parse(subject: string): Parsed<IdsOf<N>>;
  /** `parse`, throwing its error: for a handler, whose thrown GridtwinError becomes the reply. */
  ids(subject: string): IdsOf<N>;
}

type Part = { literal: string } | { id: string } | { rest: string };

const invalidId = (name: string, value: string, f: { spec: string }, why: string) =>
  new GridtwinError(ErrorCode.INVALID_ID, `${name} ${why}`, { details: { field: name, value: value.slice(0, 140), endpoint: f.spec } });

/** One family under `prefix` (null for WS topics, which have none), tokens separated by `sep`. */
export function family<const S extends string, Sep extends string = '.'>(prefix: string | null, spec: S, sep: Sep = '.' as Sep): Family<SlotsOf<S, Sep>> {
  type N = SlotsOf<S, Sep>;
  const parts: Part[] = spec.split(sep).map((t) => {
    const m = /^\{(>?)([A-Za-z]+)\}$/.exec(t);
    if (!m) return { literal: t };
    return m[1] ? { rest: m[2]! } : { id: m[2]! };
  });
  const restAt = parts.findIndex((x) => 'rest' in x);
  if (restAt >= 0 && restAt !== parts.length - 1) throw new Error(`subject family ${spec}: a rest must come last`);
  const slots = parts.filter((x) => !('literal' in x)).length;
  const head = prefix === null ? '' : `${prefix}${sep}`;
  const build = (...ids: string[]): string => {
    let i = 0;
    return head + parts.map((x) => ('literal' in x ? x.literal : ids[i++])).join(sep);
  };
  const pattern = head + parts.map((x) => ('literal' in x ? x.literal : 'id' in x ? '*' : '>')).join(sep);
  const unknown = (subject: string) =>
    ({ ok: false, error: new GridtwinError(ErrorCode.UNKNOWN_SUBJECT, `${subject} is not a ${spec} subject`, { details: { subject: subject.slice(0, 300) } }) }) as const;
  const self = { spec };
  const parse = (subject: string): Parsed<IdsOf<N>> => {
    if (!subject.startsWith(head)) return unknown(subject);
    const tokens = subject.slice(head.length).split(sep);
    // With one id and no rest, an id holding separators shifts the tokens after it: frame it by the literals.
    const framed = slots === 1 && restAt < 0 ? parts.findIndex((x) => 'id' in x) : -1;
    const extra = tokens.length - parts.length;
    if (extra < 0 || (extra > 0 && framed < 0 && restAt < 0)) return unknown(subject);
    const ids: Record<string, string> = {};
    for (let i = 0, t = 0; i < parts.length; i++, t++) {
      const x = parts[i]!;
      if ('literal' in x) {
        if (tokens[t] !== x.literal) return unknown(subject);
      } else if ('rest' in x) {
        ids[x.rest] = tokens.slice(t).join(sep);
      } else if (i === framed && extra > 0) {
        const after = parts.slice(i + 1) as Array<{ literal: string }>;
        if (!after.every((a, j) => tokens[tokens.length - after.length + j] === a.literal)) return unknown(subject);
        const value = tokens.slice(t, t + extra + 1).join(sep);
        return { ok: false, error: invalidId(x.id, value, self, `in ${subject} is not a single subject token (letters, digits, _ and - only)`) };
      } else {
        const v = tokens[t]!;
        if (!SUBJECT_SAFE_ID.test(v)) return { ok: false, error: invalidId(x.id, v, self, `must match ${SUBJECT_SAFE_ID.source}`) };
        ids[x.id] = v;
      }
    }
    return { ok: true, ids: ids as IdsOf<N> };
  };
  const ids = (subject: string): IdsOf<N> => {
    const r = parse(subject);
    if (!r.ok) throw r.error;
    return r.ids;
  };
  return Object.assign((...a: string[]) => build(...a), { spec, pattern, build, parse, ids }) as unknown as Family<N>;
}

export function subjects(prefix: string = DEFAULT_PREFIX) {
  const p = prefix;
  const f = <const S extends string>(spec: S) => family(p, spec);
  const histories = {
    'meter.credit': f('history.meter.{meterId}.credit'),
    'meter.reads': f('history.meter.{meterId}.reads'),
    'meter.intervals': f('history.meter.{meterId}.intervals'),
    'plant.energy': f('history.plant.{plantId}.energy'),
    'plant.power': f('history.plant.{plantId}.power'),
    polls: f('history.polls'),
    interactions: f('history.interactions'),
  } satisfies Record<HistoryKind, Family>;
  const families = {
    // commands (request/reply)
    meterCreateInteraction: f('meter.{meterId}.interactions.create'),
    meterGet: f('meter.{meterId}.get'),
    meterDesiredSet: f('meter.{meterId}.desired.set'),
    meterSync: f('meter.{meterId}.sync'),
    /**
     * Uplink ingestion (public): an unsolicited report (READ_REPORT / JOIN_NETWORK) for a known meter, from an
     * integrator's network server or head-end; a cluster node also delivers the uplinks it hears here.
     */
    meterReport: f('meter.{meterId}.report'),
    /** Uplink ingestion (public) addressed by the meter's external reference (devEUI, serial) in the body. */
    uplinksIngest: f('uplinks.ingest'),
    meterIssuesOpen: f('meter.{meterId}.issues.open'),
    meterIssuesClose: f('meter.{meterId}.issues.close'),
    meterIssuesList: f('meter.{meterId}.issues.list'),
    issuesList: f('issues.list'),
    meterInteractionsList: f('meter.{meterId}.interactions.list'),
    gridInteractionsList: f('grid.{gridId}.interactions.list'),
    batchesList: f('batches.list'),
    commissioningsList: f('commissionings.list'),
    interactionGet: f('interaction.{interactionId}.get'),
    interactionAbort: f('interaction.{interactionId}.abort'),
    commissioningCreate: f('commissioning.create'),
    commissioningGet: f('commissioning.{commissioningId}.get'),
    gridGet: f('grid.{gridId}.get'),
    escoSyncStatus: f('esco.{esco}.sync.status'),
    batchCreate: f('batch.create'),
    batchGet: f('batch.{batchId}.get'),
    gridOnlineSet: f('registry.grid.online'),
    dcuOnlineSet: f('registry.dcu.online'),
    escoSync: f('esco.{esco}.sync'),
    plantPoll: f('plant.{plantId}.poll'),
    plantGet: f('plant.{plantId}.get'),
    alertAck: f('alert.{alertId}.ack'),
    alertsList: f('alerts.list'),
    /** Who owns resources of one kind (`{kind, ids}` → `{owners}`): the gateway authorizes tokens with it. */
    ownersGet: f('owners.get'),
    metersList: f('meters.list'),
    plantsList: f('plants.list'),
    fleetOverview: f('fleet.overview'),
    clusterStatus: f('cluster.status'),
    /** One node's own report (owned partitions with epochs, live device actors). */
    clusterNodeStatus: f('cluster.node.{nodeId}.status'),
    /** A request forwarded to the node owning its device; `subject` is the original one without the prefix. */
    clusterForward: f('cluster.node.{nodeId}.fwd.{>subject}'),
    /** Registry changes told to every node; only the owner of each device acts on it. */
    clusterWorldChanged: f('cluster.world-changed'),
    // events (publish/subscribe)
    evtGridMeterInteraction: f('evt.grid.{gridId}.meter-interaction'),
    evtMeterState: f('evt.meter.{meterId}.state'),
    evtPlantStatus: f('evt.plant.{plantId}.status'),
    evtPlantAlert: f('evt.plant.{plantId}.alert'),
    /** Today's energy and current power after each poll that read them. */
    evtPlantTelemetry: f('evt.plant.{plantId}.telemetry'),
    evtEscoSync: f('evt.esco.{esco}.sync'),
    evtOrgAlert: f('evt.org.{organizationId}.alert'),
    /** The cluster's status, published by the elected node on its schedule. */
    evtClusterStatus: f('evt.cluster.status'),
  };
  /** Simulator controls (served when simulators are on): one family per action of core/simulatorControls. */
  const simMeters = Object.fromEntries(METER_SIM_ACTIONS.map((a) => [a, f(`sim.meter.{meterId}.${a}`)])) as unknown as Record<MeterSimAction, Family<['meterId']>>;
  const simPlants = Object.fromEntries(PLANT_SIM_ACTIONS.map((a) => [a, f(`sim.plant.{plantId}.${a}`)])) as unknown as Record<PlantSimAction, Family<['plantId']>>;
  const registries = Object.fromEntries((['organization', 'grid', 'dcu', 'meter', 'plant', 'credential'] as const).map((k) => [k, f(`registry.${k}.upsert`)])) as Record<RegistryKind, Family<[]>>;
  return {
    prefix: p,
    ...families,
    histories,
    /** Telemetry history: `history.meter.<id>.credit|reads|intervals`, `history.plant.<id>.energy|power`, `history.polls`, `history.interactions`. */
    history: (kind: HistoryKind, id?: string) => (histories[kind] as Family)(...(id === undefined ? [] : [id])),
    registryUpsert: (kind: RegistryKind) => registries[kind](),
    simMeters,
    simPlants,
    simMeter: (meterId: string, action: MeterSimAction) => simMeters[action](meterId),
    simPlant: (plantId: string, action: PlantSimAction) => simPlants[action](plantId),
    /** Every family, for a responder that must tell which one a stray subject was meant for. */
    families: [...Object.values(families), ...Object.values(histories), ...Object.values(registries), ...Object.values(simMeters), ...Object.values(simPlants)] as readonly Family[],
    /** Subjects under `cluster.`: node-to-node traffic, never a client's request. */
    cluster: f('cluster.{>rest}'),
    /** Everything under the prefix. */
    all: f('{>rest}'),
    /** KV bucket of leases and members (bucket names allow no dots). */
    clusterBucket: () => `${p.replace(/\./g, '_')}_cluster`,
  };
}
export type Subjects = ReturnType<typeof subjects>;

/** WebSocket topics (gateway): one family per kind, `/`-separated, no prefix; `alerts/{id}` is an organization's. */
export const topics = {
  grid: family(null, 'grid/{id}', '/'),
  meter: family(null, 'meter/{id}', '/'),
  plant: family(null, 'plant/{id}', '/'),
  alerts: family(null, 'alerts/{id}', '/'),
  esco: family(null, 'esco/{id}/sync', '/'),
  /** Live values of one meter (`telemetry/meter/<id>`: credit, relay, Emlite reads) or plant (`telemetry/plant/<id>`: power, energy). */
  telemetry: family(null, 'telemetry/{of}/{id}', '/'),
};
