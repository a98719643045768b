import * as grpc from '@grpc/grpc-js';
import { dataFieldCodec, eventLogRequestCodec, eventLogResponseCodec, EVENTS_PER_PAGE } from '../codecs';
import { ObjectId, RecordFormat } from '../objectIds';
import { infoServiceDefinition, mediatorServiceDefinition } from '../proto';
import { SimulatorFleet } from './fleet';
import { MeterExchangeError, type SimulatedMeter, type SimulatedMeterSpec } from './meter';
import { type Clock, systemClock } from '../../../core/time';

export interface SimulatorTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Reject clients without a certificate signed by `ca` (mutual TLS). Default true. */
  requireClientCert?: boolean;
}

export interface MediatorSimulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** A number generates that many meters (serials EMLSIM00000000…); or give each meter. */
  meters: number | SimulatedMeterSpec[];
  seed?: number;
  /** Time each meter exchange takes (the 4G round trip). */
  latencyMs?: number;
  /** Exchanges the mediator runs at once; more wait their turn. Default unlimited. */
  concurrencyLimit?: number;
  tls?: SimulatorTls;
  /** The simulator's clock (epoch ms); registers advance with it. */
  now?: Clock;
  /** Credit a token adds to the balance. Default 10. */
  tokenCreditGbp?: number | ((token: string) => number);
}

export interface MediatorSimulator {
  /** host:port to give EmliteMediatorClient / meters.mediatorAddress. */
  address: string;
  port: number;
  meters: SimulatorFleet;
  stop(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', port: 0, seed: 1, latencyMs: 0, concurrencyLimit: Number.POSITIVE_INFINITY, tokenCreditGbp: 10 };

export const simulatedSerial = (i: number): string => `EMLSIM${String(i).padStart(8, '0')}`;

type Handler = grpc.handleUnaryCall<Record<string, unknown>, object>;
class StatusError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

/** A gRPC mediator over simulated meters, with the deployed mediator's service, statuses and messages. */
export async function startMediatorSimulator(options: MediatorSimulatorOptions): Promise<MediatorSimulator> {
  const opts = { ...DEFAULTS, ...options };
  const now = opts.now ?? systemClock;
  const credit = typeof opts.tokenCreditGbp === 'function' ? opts.tokenCreditGbp : () => opts.tokenCreditGbp as number;
  const fleet = new SimulatorFleet(opts.seed, now);
  const specs = typeof opts.meters === 'number' ? Array.from({ length: opts.meters }, (_, i) => ({ serial: simulatedSerial(i) })) : opts.meters;
  for (const spec of specs) fleet.add(spec);

  const waiting: (() => void)[] = [];
  const acquire = async () => {
    if (fleet.active >= opts.concurrencyLimit) await new Promise<void>((r) => waiting.push(r));
    fleet.active++;
    fleet.maxActive = Math.max(fleet.maxActive, fleet.active);
  };
  const release = () => {
    fleet.active--;
    waiting.shift()?.();
  };
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((r) => {
      const t = setTimeout(() => { timers.delete(t); r(); }, ms);
      timers.add(t);
    });

  /** The deployed servicer's flow: serial check, meter lookup, per-meter lock, exchange. */
  const meterCall = (method: string, exchange: (m: SimulatedMeter, req: Record<string, unknown>) => object): Handler =>
    async (call, callback) => {
      const serial = String(call.request.serial ?? '');
      fleet.countCall(method, serial);
      if (fleet.get(serial) && fleet.isSilent(serial)) return;
      fleet.inFlight++;
      fleet.maxInFlight = Math.max(fleet.maxInFlight, fleet.inFlight);
      await acquire();
      let meter: SimulatedMeter | undefined;
      try {
        if (!serial) throw new StatusError(grpc.status.INVALID_ARGUMENT, 'Target meter serial not specified');
        meter = fleet.get(serial);
        if (!meter) throw new StatusError(grpc.status.NOT_FOUND, `Meter '${serial}' not known`);
        if (fleet.isForcedBusy(serial) || busy.has(serial)) {
          meter = undefined;
          throw new StatusError(grpc.status.RESOURCE_EXHAUSTED, `Meter ${serial} is busy`);
        }
        busy.add(serial);
        await sleep(opts.latencyMs);
        const fault = fleet.isLinkDown(serial) ? 'link' : fleet.takeFault(serial);
        if (fault === 'link') throw new StatusError(grpc.status.INTERNAL, 'Meter communication failed');
        if (fault === 'refuse') throw new MeterExchangeError('meter refused the exchange');
        const reply = exchange(meter, call.request);
        if (fault === 'lost') return;
        callback(null, fault ? damage(reply, fault) : reply);
      } catch (e) {
        if (e instanceof StatusError) callback({ code: e.code, details: e.message });
        else if (e instanceof MeterExchangeError) callback({ code: grpc.status.INTERNAL, details: `Meter communication failed: ${e.message}` });
        else callback({ code: grpc.status.INTERNAL, details: String(e) });
      } finally {
        if (meter) busy.delete(serial);
        release();
        fleet.inFlight--;
      }
    };
  const busy = new Set<string>();

  const server = new grpc.Server();
  server.addService(mediatorServiceDefinition, {
    readElement: meterCall('readElement', (m, req) => ({ response: m.read(Number(req.objectId), now()) })),
    writeElement: meterCall('writeElement', (m, req) => {
      m.write(Number(req.objectId), req.payload as Buffer, now(), credit);
      return {};
    }),
    sendRawMessage: meterCall('sendRawMessage', (m, req) => ({ response: rawExchange(m, req.dataField as Buffer, now(), credit) })),
  });
  server.addService(infoServiceDefinition, {
    GetInfo: (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: grpc.sendUnaryData<object>) => {
      const serial = String(call.request.serial ?? '');
      fleet.countCall('GetInfo', serial);
      const m = fleet.get(serial);
      if (!m) return callback({ code: grpc.status.NOT_FOUND, details: `meter ${serial} not found` });
      callback(null, { json_data: JSON.stringify({ registry: registryRow(m), shadow: shadowRow(m, now()) }) });
    },
    GetMeters: (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: grpc.sendUnaryData<object>) => {
      fleet.countCall('GetMeters', '');
      const esco = String(call.request.esco ?? '');
      const rows = fleet.all().filter((m) => !esco || m.esco === esco).map(registryRow);
      callback(null, { json_meters: JSON.stringify(rows) });
    },
  });

  const creds = opts.tls
    ? grpc.ServerCredentials.createSsl(opts.tls.ca, [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }], opts.tls.requireClientCert ?? true)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    address: `${opts.host}:${port}`,
    port,
    meters: fleet,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.tryShutdown(() => resolve());
        setTimeout(() => { server.forceShutdown(); resolve(); }, 500).unref();
      }),
  };
}

function rawExchange(m: SimulatedMeter, dataField: Buffer, nowMs: number, credit: (t: string) => number): Buffer {
  if (dataField[0] === RecordFormat.eventLog) {
    if (!m.knows(ObjectId.eventLog)) throw new MeterExchangeError('no event log object on three-phase meters');
    let page: number;
    try {
      page = eventLogRequestCodec.decode(dataField);
    } catch {
      throw new MeterExchangeError('malformed event log request');
    }
    return eventLogResponseCodec.encode(m.events.slice(page * EVENTS_PER_PAGE, (page + 1) * EVENTS_PER_PAGE));
  }
  let field;
  try {
    field = dataFieldCodec.decode(dataField);
  } catch {
    throw new MeterExchangeError('malformed data field');
  }
  if (!field.write) return m.read(field.objectId, nowMs);
  m.write(field.objectId, field.payload, nowMs, credit);
  return Buffer.alloc(0);
}

/** A reply cut one byte short, or with a stray byte appended: wrong length for every fixed-size record. */
function damage(reply: object, fault: 'short' | 'corrupt'): object {
  const r = reply as { response?: Buffer };
  if (!r.response) return reply;
  return { response: fault === 'short' ? r.response.subarray(0, Math.max(0, r.response.length - 1)) : Buffer.concat([r.response, Buffer.from([0xee])]) };
}

/** The mediator's registry row carries the stored model name (the origin's meter_registry.hardware). */
const registryRow = (m: SimulatedMeter) => ({ serial: m.serial, esco: m.esco, hardware: m.model, mode: 'active' });
const shadowRow = (m: SimulatedMeter, nowMs: number) => ({
  balance: m.balance,
  import_a: m.register('importA', nowMs) / 1000,
  import_b: m.register('importB', nowMs) / 1000,
  export_a: m.register('exportA', nowMs) / 1000,
  export_b: m.register('exportB', nowMs) / 1000,
  csq: (m.objects.get(ObjectId.csqNetOp) as { csq: number } | undefined)?.csq ?? null,
});
