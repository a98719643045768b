import type { DriverCommand } from '../types';
import type { InteractionResult, InteractionType } from '../../../core/domain';

/**
 * The seam between the ChirpStack driver and a meter's LoRaWAN application payload. The driver moves bytes
 * over ChirpStack's MQTT integration; a codec turns interactions into frames and frames into results.
 * Selected by configuration (`CHIRPSTACK_CODEC`), so a fleet whose payload format differs plugs in a codec
 * without touching the driver. The device half (decodeCommand / encodeResponse / encodeReport) is what the
 * simulated devices run, so the simulator and the driver always speak the same codec.
 */
export const LORAWAN_CODEC_NAMES = ['calin-dlt645', 'gridtwin-demo'] as const;
export type LorawanCodecName = (typeof LORAWAN_CODEC_NAMES)[number];

export type Outcome = { ok: true; result: InteractionResult } | { ok: false; reason: string };

export interface CommandToEncode extends Pick<DriverCommand, 'type' | 'params'> {
  /** The meter's own number (its address inside the frame, for codecs that carry one). */
  meterSerial: string;
  /** 1–255 when the codec correlates; 0 otherwise. */
  corr: number;
}

export type DecodedUplink =
  /** An answer to a downlink: `corr` when the codec carries one, else it answers the device's one command in flight. */
  | {
      kind: 'response';
      corr?: number;
      /** Whether this answer can belong to a command of that type (a frame class or data identifier). */
      answers: (type: InteractionType) => boolean;
      /** The outcome for the command it answers (codecs whose answers say only "done" derive the result from it). */
      outcome: (cmd: Pick<DriverCommand, 'type' | 'params'>) => Outcome;
    }
  | { kind: 'report'; result: InteractionResult }
  /** Well-formed but not for us (other frame kinds); the driver logs and drops it. */
  | { kind: 'ignored'; reason: string };

export interface DecodedCommand {
  corr: number;
  type: InteractionType;
  params: DriverCommand['params'];
  /** The meter address the frame is for, when the format carries one (a device ignores other addresses). */
  address?: string;
}

export interface LorawanCodec {
  readonly name: LorawanCodecName;
  /** LoRaWAN port of downlinks. */
  readonly fPort: number;
  /** Uplinks on other ports are not this codec's; undefined = every port (the Calin source does not filter). */
  readonly uplinkFPort?: number;
  /** True: responses carry the downlink's correlation byte. False: the driver keeps one command in flight per device. */
  readonly correlates: boolean;
  /** Whether the payload format has a frame for this interaction type (the driver refuses the others). */
  supports(type: InteractionType): boolean;
  /** Throws VALIDATION_FAILED for parameters the frame cannot carry. */
  encodeCommand(cmd: CommandToEncode): Buffer;
  /** Throws INVALID_DATA_FORMAT for frames that are not this codec's (bad header, checksum, length). */
  decodeUplink(frame: Buffer): DecodedUplink;
  /** Device side: the command in a downlink frame. */
  decodeCommand(frame: Buffer): DecodedCommand;
  /** Device side: the answer to a command. */
  encodeResponse(cmd: DecodedCommand, outcome: Outcome, meterSerial: string): Buffer;
  /** Device side: an unsolicited periodic report. */
  encodeReport(result: InteractionResult, meterSerial: string, at: Date): Buffer;
}
