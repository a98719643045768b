import { type Codec, expectLength, invalidData, invalidValue } from './bytes';

/** Kaitai time_rec field order and the range each may hold (day_of_week: enum 0 = Monday .. 6 = Sunday). */
const FIELDS = [
  ['year', 0, 255], ['month', 1, 12], ['date', 1, 31], ['hour', 0, 23], ['minute', 0, 59], ['second', 0, 59], ['day_of_week', 0, 6],
] as const;

/**
 * Meter clock 0x800800: seven u1 (Kaitai time_rec): year-2000, month, date, hour, minute, second,
 * day of week (0 = Monday). The origin reads it as UTC and ignores the day of week.
 */
export const timeCodec: Codec<Date> = {
  name: 'time',
  encode(d) {
    const year = d.getUTCFullYear() - 2000;
    if (Number.isNaN(d.getTime()) || year < 0 || year > 255) throw invalidValue('time', `out of range: ${Number.isNaN(d.getTime()) ? 'invalid date' : d.toISOString()}`, 'year');
    return Buffer.from([year, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), (d.getUTCDay() + 6) % 7]);
  },
  decode(payload) {
    expectLength('time', payload, 7);
    FIELDS.forEach(([field, min, max], i) => {
      const v = payload[i]!;
      if (v < min || v > max) throw invalidData('time', `${v} is outside ${min}..${max}`, payload, field);
    });
    const [year, month, date, hour, minute, second] = [...payload] as [number, number, number, number, number, number];
    const d = new Date(Date.UTC(2000 + year, month - 1, date, hour, minute, second));
    if (d.getUTCDate() !== date) throw invalidData('time', `no day ${date} in ${2000 + year}-${month}`, payload, 'date');
    return d;
  },
};
