import type { Bus, ServiceHandle } from '../../adapters/bus';
import { subjectMatches } from '../../adapters/bus';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { fail } from '../../core/reply';

/**
 * Why a request under the prefix reached no endpoint: an id that is not one subject token (a `.` in it
 * changes the number of tokens, so no endpoint pattern matches), or a subject nobody serves.
 * `null` when an endpoint serves the subject (that endpoint answers; the catch-all stays silent).
 */
export function classifyUnserved(subject: string, patterns: readonly string[]): GridtwinError | null {
  if (patterns.some((p) => subjectMatches(p, subject))) return null;
  const tokens = subject.split('.');
  for (const pattern of patterns) {
    const pt = pattern.split('.');
    const star = pt.indexOf('*');
    // Patterns with one id position: the literal tokens before and after it must frame the subject.
    if (star < 0 || pt.lastIndexOf('*') !== star || pt.includes('>')) continue;
    const before = pt.slice(0, star);
    const after = pt.slice(star + 1);
    if (tokens.length <= pt.length - 1) continue;
    if (!before.every((t, i) => tokens[i] === t)) continue;
    if (!after.every((t, i) => tokens[tokens.length - after.length + i] === t)) continue;
    const id = tokens.slice(star, tokens.length - after.length).join('.');
    return new GridtwinError(ErrorCode.INVALID_ID, `the id in ${subject} is not a single subject token (letters, digits, _ and - only)`, {
      details: { value: id.slice(0, 140), endpoint: pattern },
    });
  }
  return new GridtwinError(ErrorCode.UNKNOWN_SUBJECT, `no gridtwin endpoint serves ${subject}`, { details: { subject: subject.slice(0, 300) } });
}

/**
 * One responder for every request under the prefix that no endpoint serves, so a raw client can tell a
 * malformed request from a node that is down. It has its own queue group: sharing the endpoints' group
 * would let it take requests meant for them. Publications (no reply subject) are ignored; that includes
 * every event, which this subscription also receives.
 */
export async function serveCatchAll(opts: { bus: Bus; prefix: string; version: string; served: () => readonly string[]; ignore?: (subject: string) => boolean }): Promise<ServiceHandle> {
  return opts.bus.serve({
    name: 'gridtwin-catchall',
    version: opts.version,
    description: 'structured replies for requests no gridtwin endpoint serves (INVALID_ID, UNKNOWN_SUBJECT)',
    queue: 'gridtwin-catchall',
    endpoints: [{
      name: 'catch-all',
      subject: `${opts.prefix}.>`,
      queue: 'gridtwin-catchall',
      handler: (m) => {
        if (!m.reply || opts.ignore?.(m.subject)) return;
        const err = classifyUnserved(m.subject, opts.served());
        if (err) m.respond(fail(err));
      },
    }],
  });
}
