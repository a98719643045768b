/**
 * Every NATS subject and WebSocket topic gridtwin uses is built here, and only here.
 * Ids must already be subject-safe (see core/ids.ts).
 */
export const DEFAULT_PREFIX = 'gridtwin';

export type HistoryKind = 'meter.credit' | 'meter.reads' | 'meter.intervals' | 'plant.energy' | 'plant.power' | 'polls' | 'interactions';

export type RegistryKind = 'organization' | 'grid' | 'dcu' | 'meter' | 'plant' | 'credential';

export function subjects(prefix: string = DEFAULT_PREFIX) {
  const p = prefix;
  return {
    prefix: p,
    // commands (request/reply)
    meterCreateInteraction: (meterId: string) => `${p}.meter.${meterId}.interactions.create`,
    meterGet: (meterId: string) => `${p}.meter.${meterId}.get`,
    meterDesiredSet: (meterId: string) => `${p}.meter.${meterId}.desired.set`,
    meterSync: (meterId: string) => `${p}.meter.${meterId}.sync`,
    /**
     * Uplink ingestion (public): an unsolicited report (READ_REPORT / JOIN_NETWORK) for a known meter, from an
     * integrator's network server or head-end; a cluster node also delivers the uplinks it hears here.
     */
    meterReport: (meterId: string) => `${p}.meter.${meterId}.report`,
    /** Uplink ingestion (public) addressed by the meter's external reference (devEUI, serial) in the body. */
    uplinksIngest: () => `${p}.uplinks.ingest`,
    meterIssuesOpen: (meterId: string) => `${p}.meter.${meterId}.issues.open`,
    meterIssuesClose: (meterId: string) => `${p}.meter.${meterId}.issues.close`,
    meterIssuesList: (meterId: string) => `${p}.meter.${meterId}.issues.list`,
    issuesList: () => `${p}.issues.list`,
    meterInteractionsList: (meterId: string) => `${p}.meter.${meterId}.interactions.list`,
    gridInteractionsList: (gridId: string) => `${p}.grid.${gridId}.interactions.list`,
    batchesList: () => `${p}.batches.list`,
    commissioningsList: () => `${p}.commissionings.list`,
    /** Simulator controls (only when simulators are on): `action` is one of core/simulatorControls. */
    simMeter: (meterId: string, action: string) => `${p}.sim.meter.${meterId}.${action}`,
    simPlant: (plantId: string, action: string) => `${p}.sim.plant.${plantId}.${action}`,
    interactionGet: (id: string) => `${p}.interaction.${id}.get`,
    interactionAbort: (id: string) => `${p}.interaction.${id}.abort`,
    commissioningCreate: () => `${p}.commissioning.create`,
    commissioningGet: (id: string) => `${p}.commissioning.${id}.get`,
    gridGet: (gridId: string) => `${p}.grid.${gridId}.get`,
    escoSyncStatus: (esco: string) => `${p}.esco.${esco}.sync.status`,
    batchCreate: () => `${p}.batch.create`,
    batchGet: (id: string) => `${p}.batch.${id}.get`,
    registryUpsert: (kind: RegistryKind) => `${p}.registry.${kind}.upsert`,
    gridOnlineSet: () => `${p}.registry.grid.online`,
    dcuOnlineSet: () => `${p}.registry.dcu.online`,
    escoSync: (esco: string) => `${p}.esco.${esco}.sync`,
    plantPoll: (plantId: string) => `${p}.plant.${plantId}.poll`,
    plantGet: (plantId: string) => `${p}.plant.${plantId}.get`,
    alertAck: (alertId: string) => `${p}.alert.${alertId}.ack`,
    alertsList: () => `${p}.alerts.list`,
    /** Who owns resources of one kind (`{kind, ids}` → `{owners}`): the gateway authorizes tokens with it. */
    ownersGet: () => `${p}.owners.get`,
    metersList: () => `${p}.meters.list`,
    plantsList: () => `${p}.plants.list`,
    fleetOverview: () => `${p}.fleet.overview`,
    /** Telemetry history: `history.meter.<id>.credit|reads|intervals`, `history.plant.<id>.energy|power`, `history.polls`, `history.interactions`. */
    history: (kind: HistoryKind, id?: string) => (id === undefined ? `${p}.history.${kind}` : `${p}.history.${kind.replace('.', `.${id}.`)}`),
    clusterStatus: () => `${p}.cluster.status`,
    /** One node's own report (owned partitions with epochs, live device actors). */
    clusterNodeStatus: (nodeId: string) => `${p}.cluster.node.${nodeId}.status`,
    /** A request forwarded to the node owning its device; `subject` is the original one without the prefix. */
    clusterForward: (nodeId: string, subject = '>') => `${p}.cluster.node.${nodeId}.fwd.${subject}`,
    /** Registry changes told to every node; only the owner of each device acts on it. */
    clusterWorldChanged: () => `${p}.cluster.world-changed`,
    /** KV bucket of leases and members (bucket names allow no dots). */
    clusterBucket: () => `${p.replace(/\./g, '_')}_cluster`,
    // events (publish/subscribe)
    evtGridMeterInteraction: (gridId: string) => `${p}.evt.grid.${gridId}.meter-interaction`,
    evtMeterState: (meterId: string) => `${p}.evt.meter.${meterId}.state`,
    evtPlantStatus: (plantId: string) => `${p}.evt.plant.${plantId}.status`,
    evtPlantAlert: (plantId: string) => `${p}.evt.plant.${plantId}.alert`,
    evtEscoSync: (esco: string) => `${p}.evt.esco.${esco}.sync`,
    evtOrgAlert: (orgId: string) => `${p}.evt.org.${orgId}.alert`,
    /** The cluster's status, published by the elected node on its schedule. */
    evtClusterStatus: () => `${p}.evt.cluster.status`,
  };
}
export type Subjects = ReturnType<typeof subjects>;

/** WebSocket topics (gateway). */
export const topics = {
  grid: (gridId: string) => `grid/${gridId}`,
  meter: (meterId: string) => `meter/${meterId}`,
  plant: (plantId: string) => `plant/${plantId}`,
  alerts: (orgId: string) => `alerts/${orgId}`,
  escoSync: (esco: string) => `esco/${esco}/sync`,
};
