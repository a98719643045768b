import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric gridtwin exposes, named once. Create one `Metrics` per node (tests create
 * their own, so registries never collide); `/metrics` serves `metrics.registry`.
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  let outboxSampler: (() => Promise<number>) | null = null;
  let lastOutboxBacklog = 0;
  return {
    registry,
    actorsAlive: new Gauge({ name: 'gridtwin_actors_alive', help: 'Live actors by kind', labelNames: ['kind'], registers: r }),
    mailboxDepth: new Gauge({ name: 'gridtwin_mailbox_depth', help: 'Queued messages by actor kind (sum)', labelNames: ['kind'], registers: r }),
    actorCrashes: new Counter({ name: 'gridtwin_actor_crashes_total', help: 'Actor crashes (reset from the database)', labelNames: ['kind'], registers: r }),
    actorOutageResets: new Counter({ name: 'gridtwin_actor_outage_resets_total', help: 'Actors reset because a dependency was unavailable (not crashes)', labelNames: ['kind'], registers: r }),
    unhandledRejections: new Counter({ name: 'gridtwin_unhandled_rejections_total', help: 'Promise rejections nobody handled (logged; the node keeps serving)', registers: r }),
    interactionsByStatus: new Counter({ name: 'gridtwin_interactions_total', help: 'Interaction status transitions', labelNames: ['type', 'status'], registers: r }),
    cascadeStepSeconds: new Histogram({
      name: 'gridtwin_cascade_step_seconds', help: 'Cascade step latency', labelNames: ['step'], registers: r,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    driverCommands: new Counter({ name: 'gridtwin_driver_commands_total', help: 'Commands sent to meters', labelNames: ['protocol', 'type', 'outcome'], registers: r }),
    coalescedInteractions: new Counter({ name: 'gridtwin_interactions_coalesced_total', help: 'Interactions joined to an equal queued one', registers: r }),
    polls: new Counter({ name: 'gridtwin_plant_polls_total', help: 'Plant polls by brand and outcome', labelNames: ['brand', 'outcome'], registers: r }),
    syncs: new Counter({ name: 'gridtwin_meter_syncs_total', help: 'Emlite meter syncs by outcome', labelNames: ['outcome'], registers: r }),
    wsClients: new Gauge({ name: 'gridtwin_ws_clients', help: 'Connected WebSocket clients', registers: r }),
    wsDropped: new Counter({ name: 'gridtwin_ws_messages_dropped_total', help: 'WS messages dropped or replaced by newer state (backpressure)', labelNames: ['reason'], registers: r }),
    wsNatsSubscriptions: new Gauge({ name: 'gridtwin_ws_nats_subscriptions', help: 'Bus subscriptions held by the gateway', registers: r }),
    leaseRenewals: new Counter({ name: 'gridtwin_cluster_lease_renewals_total', help: 'Partition lease renewals', labelNames: ['outcome'], registers: r }),
    handoffs: new Counter({ name: 'gridtwin_cluster_handoffs_total', help: 'Partition hand-offs', labelNames: ['direction'], registers: r }),
    detachedFailures: new Counter({ name: 'gridtwin_detached_failures_total', help: 'Rejections of work nobody awaited (logged with what failed)', registers: r }),
    httpRequests: new Counter({ name: 'gridtwin_http_requests_total', help: 'HTTP API requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: r }),
    pollSeconds: new Histogram({
      name: 'gridtwin_plant_poll_seconds', help: 'Plant poll duration by brand and outcome', labelNames: ['brand', 'outcome'], registers: r,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1200],
    }),
    driverSeconds: new Histogram({
      name: 'gridtwin_driver_command_seconds', help: 'Meter driver command latency by protocol and outcome', labelNames: ['protocol', 'outcome'], registers: r,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 75],
    }),
    outboxBacklog: new Gauge({
      name: 'gridtwin_outbox_backlog', help: 'Cascade outbox steps still pending (sampled at each scrape)', registers: r,
      async collect() {
        // A failed sample (database away) keeps the last value: the scrape itself must not fail.
        if (outboxSampler) this.set((lastOutboxBacklog = await outboxSampler().catch(() => lastOutboxBacklog)));
      },
    }),
    /** What the outbox backlog gauge reads at each scrape (the node sets it once its database is open). */
    sampleOutboxBacklog(sampler: () => Promise<number>): void {
      outboxSampler = sampler;
    },
    buildInfo: new Gauge({ name: 'gridtwin_build_info', help: 'Always 1; labels carry the version and the runtime', labelNames: ['version', 'node', 'uws'], registers: r }),
    forwarded: new Counter({ name: 'gridtwin_cluster_forwarded_total', help: 'Requests forwarded to the owning node', registers: r }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
