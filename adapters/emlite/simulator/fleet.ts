import { SimulatedMeter, type RegisterName, type SimulatedMeterSpec, REGISTERS } from './meter';
import type { Clock } from '../../../core/time';

/**
 * What goes wrong on a meter's next exchanges: a broken link, a reply cut short / corrupted, the meter
 * refusing (nothing applied), or the exchange applied but its reply lost (the mediator never answers).
 */
export type Fault = 'link' | 'short' | 'corrupt' | 'refuse' | 'lost';

/**
 * The simulator's meters and the controls tests and users drive: register values, reversals and resets,
 * busy and link state, injected faults, and call statistics.
 */
export class SimulatorFleet {
  private readonly meters = new Map<string, SimulatedMeter>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly forcedBusy = new Set<string>();
  private readonly linkDown = new Set<string>();
  private readonly silent = new Set<string>();
  private readonly calls = new Map<string, number>();
  /** Calls being handled (including those queued for the mediator's concurrency limit). */
  inFlight = 0;
  maxInFlight = 0;
  /** Calls past the concurrency limit, talking to a meter. */
  active = 0;
  maxActive = 0;

  constructor(private readonly seed: number, private readonly now: Clock) {}

  add(spec: SimulatedMeterSpec): SimulatedMeter {
    const m = new SimulatedMeter(spec, this.seed, this.now());
    this.meters.set(spec.serial, m);
    return m;
  }

  get(serial: string): SimulatedMeter | undefined {
    return this.meters.get(serial);
  }

  meter(serial: string): SimulatedMeter {
    const m = this.meters.get(serial);
    if (!m) throw new Error(`simulator has no meter ${serial}`);
    return m;
  }

  serials(): string[] {
    return [...this.meters.keys()];
  }

  all(): SimulatedMeter[] {
    return [...this.meters.values()];
  }

  register(serial: string, name: RegisterName): number {
    return this.meter(serial).register(name, this.now());
  }

  setRegister(serial: string, name: RegisterName, valueWh: number): void {
    this.meter(serial).setRegister(name, valueWh, this.now());
  }

  setRate(serial: string, name: RegisterName, whPerHour: number): void {
    this.meter(serial).setRate(name, whPerHour, this.now());
  }

  /** The register steps back by `deltaWh` (a read glitch or a meter correcting itself). */
  forceReversal(serial: string, name: RegisterName, deltaWh: number): void {
    const m = this.meter(serial);
    m.setRegister(name, Math.max(0, m.register(name, this.now()) - deltaWh), this.now());
  }

  /** All registers back to zero, as after a meter replacement or a factory reset. */
  forceReset(serial: string): void {
    for (const r of REGISTERS) this.meter(serial).setRegister(r, 0, this.now());
  }

  setBalance(serial: string, amount: number): void {
    this.meter(serial).balance = amount;
  }

  setClockOffset(serial: string, seconds: number): void {
    this.meter(serial).clockOffsetMs = seconds * 1000;
  }

  setObject(serial: string, objectId: number, value: unknown): void {
    this.meter(serial).objects.set(objectId, value);
  }

  /** While set, every call for the meter gets RESOURCE_EXHAUSTED "Meter X is busy (timeout)" at once. */
  setBusy(serial: string, busy: boolean): void {
    this.meter(serial);
    if (busy) this.forcedBusy.add(serial);
    else this.forcedBusy.delete(serial);
  }

  /** While set, every exchange with the meter fails as with a dead 4G link: INTERNAL "failed to connect after retries". */
  setLinkDown(serial: string, down: boolean): void {
    this.meter(serial);
    if (down) this.linkDown.add(serial);
    else this.linkDown.delete(serial);
  }

  /** While set, calls for the meter are never answered (the caller's deadline ends them); nothing is applied. */
  setSilent(serial: string, silent: boolean): void {
    this.meter(serial);
    if (silent) this.silent.add(serial);
    else this.silent.delete(serial);
  }

  /** The meter's next `count` exchanges fail with `fault`. */
  injectFault(serial: string, fault: Fault, count = 1): void {
    this.meter(serial);
    const q = this.faults.get(serial) ?? [];
    for (let i = 0; i < count; i++) q.push(fault);
    this.faults.set(serial, q);
  }

  isForcedBusy = (serial: string): boolean => this.forcedBusy.has(serial);
  isLinkDown = (serial: string): boolean => this.linkDown.has(serial);
  isSilent = (serial: string): boolean => this.silent.has(serial);
  takeFault(serial: string): Fault | undefined {
    return this.faults.get(serial)?.shift();
  }

  countCall(method: string, serial: string): void {
    const key = `${method}\u0000${serial}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  /** Calls received, optionally for one method and/or one serial. */
  callCount(method?: string, serial?: string): number {
    let n = 0;
    for (const [key, c] of this.calls) {
      const [m, s] = key.split('\u0000');
      if ((method === undefined || m === method) && (serial === undefined || s === serial)) n += c;
    }
    return n;
  }

  resetStats(): void {
    this.calls.clear();
    this.maxInFlight = this.inFlight;
    this.maxActive = this.active;
  }
}
