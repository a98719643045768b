import * as grpc from '@grpc/grpc-js';
import { dataFieldCodec, eventLogRequestCodec, eventLogResponseCodec, EVENTS_PER_PAGE, rawReplyCodec } from '../codecs';
import { ObjectId, ReadWrite, RecordFormat } from '../objectIds';
import { infoServiceDefinition, mediatorServiceDefinition } from '../proto';
import { SimulatorFleet } from './fleet';
import { MeterExchangeError, type SimulatedMeter, type SimulatedMeterSpec } from './meter';
import { MeterLocks } from './meterLock';
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
  /**
   * How long a call waits for a meter that is in another exchange before it is refused as busy. Default
   * 60 000, the deployed LOCK_TIMEOUT_SECONDS (meter_registry.py @ d2434c0).
   */
  lockTimeoutMs?: number;
  /**
   * Least time between the end of one exchange with a meter and the start of the next. The deployed mediator
   * waits 2 s (MINIMUM_TIME_BETWEEN_REQUESTS_SECONDS, meter_registry.py @ d2434c0); default 0 here, so tests
   * and benchmarks are not slowed by it.
   */
  minRequestGapMs?: number;
}

export interface MediatorSimulator {
  /** host:port to give EmliteMediatorClient / meters.mediatorAddress. */
  address: string;
  port: number;
  meters: SimulatorFleet;
  stop(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1', port: 0, seed: 1, latencyMs: 0, concurrencyLimit: Number.POSITIVE_INFINITY, tokenCreditGbp: 10, lockTimeoutMs: 60_000, minRequestGapMs: 0,
};

/**
 * The deployed servicer's answers (cepro/simt-emlite @ d2434c0 simt_emlite/mediator/grpc/mediator_service.py;
 * info_service.py for GetInfo). A broken link is what the meter connection's retries end in (emlite_net.py:
 * five attempts, then tenacity's RetryError); any other failed exchange is "Meter communication failed".
 */
const ANSWERS = {
  noSerial: 'Target meter serial not specified',
  unknownMeter: (serial: string) => `Meter '${serial}' not known`,
  busy: (serial: string) => `Meter ${serial} is busy (timeout)`,
  linkFailed: 'failed to connect after retries',
  exchangeFailed: 'Meter communication failed',
  infoNotFound: (serial: string) => `meter ${serial} not found`,
} as const;

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

  const locks = new MeterLocks();
  const lastExchangeEnd = new Map<string, number>();

  /** The deployed servicer's flow: a worker, serial check, meter lookup, per-meter lock, request spacing, exchange. */
  const meterCall = (method: string, exchange: (m: SimulatedMeter, req: Record<string, unknown>) => object): Handler =>
    async (call, callback) => {
      const serial = String(call.request.serial ?? '');
      fleet.countCall(method, serial);
      if (fleet.get(serial) && fleet.isSilent(serial)) return;
      fleet.inFlight++;
      fleet.maxInFlight = Math.max(fleet.maxInFlight, fleet.inFlight);
      await acquire();
      let locked = false;
      try {
        if (!serial) throw new StatusError(grpc.status.INVALID_ARGUMENT, ANSWERS.noSerial);
        const meter = fleet.get(serial);
        if (!meter) throw new StatusError(grpc.status.NOT_FOUND, ANSWERS.unknownMeter(serial));
        // A forced-busy meter answers as if the lock wait had already run out.
        if (fleet.isForcedBusy(serial)) throw new StatusError(grpc.status.RESOURCE_EXHAUSTED, ANSWERS.busy(serial));
        locked = await locks.acquire(serial, opts.lockTimeoutMs);
        if (!locked) throw new StatusError(grpc.status.RESOURCE_EXHAUSTED, ANSWERS.busy(serial));
        await sleep((lastExchangeEnd.get(serial) ?? -Infinity) + opts.minRequestGapMs - performance.now());
        await sleep(opts.latencyMs);
        const fault = fleet.isLinkDown(serial) ? 'link' : fleet.takeFault(serial);
        if (fault === 'link') throw new StatusError(grpc.status.INTERNAL, ANSWERS.linkFailed);
        if (fault === 'refuse') throw new MeterExchangeError('meter refused the exchange');
        const reply = exchange(meter, call.request);
        if (fault === 'lost') return;
        callback(null, fault ? damage(reply, fault) : reply);
      } catch (e) {
        if (e instanceof StatusError) callback({ code: e.code, details: e.message });
        else callback({ code: grpc.status.INTERNAL, details: ANSWERS.exchangeFailed });
      } finally {
        if (locked) {
          lastExchangeEnd.set(serial, performance.now());
          locks.release(serial);
        }
        release();
        fleet.inFlight--;
      }
    };

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
      if (!m) return callback({ code: grpc.status.NOT_FOUND, details: ANSWERS.infoNotFound(serial) });
      callback(null, { json_data: JSON.stringify({ registry: registryRow(m), shadow: shadowRow(m, now()) }) });
    },
    GetMeters: (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: grpc.sendUnaryData<object>) => {
      fleet.countCall('GetMeters', '');
      // The deployed GetMeters lower-cases the filter; an empty one lists every meter.
      const esco = String(call.request.esco ?? '').toLowerCase();
      const rows = fleet.all().filter((m) => !esco || m.esco.toLowerCase() === esco).map(registryRow);
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
        locks.clear();
        server.tryShutdown(() => resolve());
        setTimeout(() => { server.forceShutdown(); resolve(); }, 500).unref();
      }),
  };
}

/**
 * A raw exchange answers as the deployed mediator does: the meter's reply data field after its format byte,
 * i.e. the echoed object id, the flag byte (rw flag, or the event log index) and the payload
 * (codecs/dataField.ts `rawReplyCodec`).
 */
function rawExchange(m: SimulatedMeter, dataField: Buffer, nowMs: number, credit: (t: string) => number): Buffer {
  if (dataField[0] === RecordFormat.eventLog) {
    if (!m.knows(ObjectId.eventLog)) throw new MeterExchangeError('no event log object on three-phase meters');
    let page: number;
    try {
      page = eventLogRequestCodec.decode(dataField);
    } catch {
      throw new MeterExchangeError('malformed event log request');
    }
    const events = eventLogResponseCodec.encode(m.events.slice(page * EVENTS_PER_PAGE, (page + 1) * EVENTS_PER_PAGE));
    return rawReplyCodec.encode({ objectId: ObjectId.eventLog, flag: page, payload: events });
  }
  let field;
  try {
    field = dataFieldCodec.decode(dataField);
  } catch {
    throw new MeterExchangeError('malformed data field');
  }
  const flag = field.write ? ReadWrite.write : ReadWrite.read;
  if (!field.write) return rawReplyCodec.encode({ objectId: field.objectId, flag, payload: m.read(field.objectId, nowMs) });
  m.write(field.objectId, field.payload, nowMs, credit);
  return rawReplyCodec.encode({ objectId: field.objectId, flag, payload: Buffer.alloc(0) });
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
