/**
 * Pairs a meter's answer uplink with the `event/ack` of the confirmed downlink it answers. The uplink that carries a
 * LoRaWAN ACK gives ChirpStack's `event/up` and `event/ack` the same `deduplicationId`, and the ack names the
 * downlink's `queueItemId`; the two events may arrive in either order. Same rule and window as the origin
 * (nxtgrid/nxt-device-messaging `src/plugins/calin-chirpstack/lib/correlate-request-response.ts`: keyed on
 * deduplicationId, halves dropped after 10 s); ChirpStack sends up before ack (chirpstack `src/uplink/data.rs`:
 * `send_uplink_event` then `handle_uplink_ack`).
 */
export const PAIRING_WINDOW_MS = 10_000;

export class AnswerAckPairing<A> {
  private readonly answers = new Map<string, { answer: A; at: number }>();
  private readonly acks = new Map<string, { queueItemId: string; at: number }>();

  constructor(private readonly windowMs = PAIRING_WINDOW_MS) {}

  /** An answer uplink: the queue item it answers when its ack came first, else undefined (kept for the ack). */
  answer(deduplicationId: string, answer: A): string | undefined {
    this.forgetStale();
    const ack = this.acks.get(deduplicationId);
    if (ack) {
      this.acks.delete(deduplicationId);
      return ack.queueItemId;
    }
    this.answers.set(deduplicationId, { answer, at: Date.now() });
    return undefined;
  }

  /** A positive ack: the answer that came on the same uplink, else undefined (kept for the uplink). */
  ack(deduplicationId: string, queueItemId: string): A | undefined {
    this.forgetStale();
    const held = this.answers.get(deduplicationId);
    if (held) {
      this.answers.delete(deduplicationId);
      return held.answer;
    }
    this.acks.set(deduplicationId, { queueItemId, at: Date.now() });
    return undefined;
  }

  get size(): number { return this.answers.size + this.acks.size; }

  clear(): void {
    this.answers.clear();
    this.acks.clear();
  }

  /** Maps keep insertion order, which is arrival order: the stale halves are a prefix, so a busy fleet pays per stale entry only. */
  private forgetStale(): void {
    const before = Date.now() - this.windowMs;
    for (const map of [this.answers, this.acks] as Array<Map<string, { at: number }>>) {
      for (const [id, v] of map) {
        if (v.at >= before) break;
        map.delete(id);
      }
    }
  }
}
