import { calinDlt645Codec } from './calinDlt645';
import type { LorawanCodec, LorawanCodecName } from './codec';
import { gridtwinDemoCodec } from './demoFrame';

const CODECS: Record<LorawanCodecName, LorawanCodec> = { 'calin-dlt645': calinDlt645Codec, 'gridtwin-demo': gridtwinDemoCodec };

/** The codec configured by name (config validates the name against LORAWAN_CODEC_NAMES). */
export const lorawanCodec = (name: LorawanCodecName): LorawanCodec => CODECS[name];
