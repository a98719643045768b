import { type Codec, expectLength, invalidData, invalidValue } from './bytes';

/**
 * Meter clock 0x800800: seven u1 (Kaitai time_rec): year-2000, month, date, hour, minute, second,
 * day of week (0 = Monday). The origin reads it as UTC.
 */
export const timeCodec: Codec<Date> = {
  name: 'time',
  encode(d) {
    const year = d.getUTCFullYear() - 2000;
    if (Number.isNaN(d.getTime()) || year < 0 || year > 255) throw invalidValue('time', `year out of range: ${d.toISOString?.()}`);
    return Buffer.from([year, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), (d.getUTCDay() + 6) % 7]);
  },
  decode(payload) {
    expectLength('time', payload, 7);
    const [year, month, date, hour, minute, second, dow] = [...payload] as [number, number, number, number, number, number, number];
    if (month < 1 || month > 12 || date < 1 || date > 31 || hour > 23 || minute > 59 || second > 59 || dow > 6) {
      throw invalidData('time', 'field out of range', payload);
    }
    const d = new Date(Date.UTC(2000 + year, month - 1, date, hour, minute, second));
    if (d.getUTCDate() !== date) throw invalidData('time', 'no such calendar date', payload);
    return d;
  },
};
