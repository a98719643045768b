import type { EmliteMediatorClient, TariffsActive, TariffsFuture } from '../client';
import type { MeterEvent } from '../codecs';

/** What a syncer learned: shadow fields to set. Pure data; the meter actor persists it. */
export interface ShadowPatch {
  /** Register reads, Wh. Three-phase meters fill element A only (their totals). */
  importA?: number;
  importB?: number;
  exportA?: number;
  exportB?: number;
  /** Prepay balance in the currency unit (GBP). */
  balance?: number;
  csq?: number;
  networkOperator?: number;
  tariffsActive?: TariffsActive;
  tariffsFuture?: TariffsFuture;
  /** Events newer than the context's `lastEventAt`, newest first, event id 0 dropped. */
  eventLog?: MeterEvent[];
  /** The model name as the origin stores it ("C1.w", "P1.cx"; hardware.ts). */
  hardware?: string;
  /** "3_03_2" on single-phase meters, hex on three-phase ones. */
  firmware?: string;
  /** The serial the meter reports (single-phase 0x600100, three-phase 0xD7FF10). */
  serialReported?: string;
  clockDiffSeconds?: number;
  /** Single-phase instantaneous voltage, V. */
  voltage?: number;
  /** Three-phase instantaneous voltages, V. */
  voltageL1?: number;
  voltageL2?: number;
  voltageL3?: number;
}

export interface SyncContext {
  /** Timestamp of the newest event already stored; the event log syncer fetches only newer ones. */
  lastEventAt?: Date | null;
  /**
   * The meter's stored model name (a previous SyncerHardware result). It picks the syncers of its kind;
   * without it the model is read from the meter once per client and serial (the client caches it).
   */
  hardware?: string | null;
}

/** The client surface syncers use (a structural type so tests and benches can pass their own). */
export type SyncClient = Pick<
  EmliteMediatorClient,
  | 'readElementA' | 'readElementB' | 'prepayBalance' | 'csq' | 'tariffsActive' | 'tariffsFuture' | 'eventLog' | 'hardware'
  | 'firmwareVersion' | 'clockTime' | 'voltage' | 'serialRead' | 'threePhaseSerial' | 'threePhaseRead' | 'threePhaseVoltages'
>;

export type Syncer = (client: SyncClient, serial: string, now: Date, ctx?: SyncContext) => Promise<ShadowPatch>;
