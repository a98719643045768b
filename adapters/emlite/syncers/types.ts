import type { EmliteMediatorClient, TariffsActive, TariffsFuture } from '../client';
import type { MeterEvent } from '../codecs';

/** What a syncer learned: shadow fields to set. Pure data; the meter actor persists it. */
export interface ShadowPatch {
  /** Register reads, Wh. */
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
  /** Events newer than the context's `lastEventAt`, newest first. */
  eventLog?: MeterEvent[];
  hardware?: string;
  firmware?: string;
  clockDiffSeconds?: number;
  voltage?: number;
}

export interface SyncContext {
  /** Timestamp of the newest event already stored; the event log syncer fetches only newer ones. */
  lastEventAt?: Date | null;
}

/** The client surface syncers use (a structural type so tests and benches can pass their own). */
export type SyncClient = Pick<
  EmliteMediatorClient,
  'readElementA' | 'readElementB' | 'prepayBalance' | 'csq' | 'tariffsActive' | 'tariffsFuture' | 'eventLog' | 'hardware' | 'firmwareVersion' | 'clockTime' | 'voltage'
>;

export type Syncer = (client: SyncClient, serial: string, now: Date, ctx?: SyncContext) => Promise<ShadowPatch>;
