import type { Bus, ServiceHandle } from '../../adapters/bus';
import { subjectMatches } from '../../adapters/bus';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { fail } from '../../core/reply';
import { ACCESS_METADATA_KEY, describeAccess } from './access';
import type { Family, Subjects } from '../../core/subjects';

/**
 * Why a request under the prefix reached no endpoint: an id that is not one subject token (a `.` in it
 * changes the number of tokens, so no endpoint pattern matches; the served family's parser says so), or a
 * subject nobody serves. `null` when an endpoint serves the subject (that endpoint answers; the catch-all stays silent).
 */
export function classifyUnserved(subject: string, served: readonly string[], families: readonly Family[]): GridtwinError | null {
  if (served.some((p) => subjectMatches(p, subject))) return null;
  for (const f of families) {
    if (!served.includes(f.pattern)) continue;
    const r = f.parse(subject);
    if (!r.ok && r.error.code === ErrorCode.INVALID_ID) return r.error;
  }
  return new GridtwinError(ErrorCode.UNKNOWN_SUBJECT, `no gridtwin endpoint serves ${subject}`, { details: { subject: subject.slice(0, 300) } });
}

/**
 * One responder for every request under the prefix that no endpoint serves, so a raw client can tell a
 * malformed request from a node that is down. It has its own queue group: sharing the endpoints' group
 * would let it take requests meant for them. Publications (no reply subject) are ignored; that includes
 * every event, which this subscription also receives.
 */
export async function serveCatchAll(opts: { bus: Bus; subjects: Subjects; version: string; served: () => readonly string[]; ignore?: (subject: string) => boolean }): Promise<ServiceHandle> {
  return opts.bus.serve({
    name: 'gridtwin-catchall',
    version: opts.version,
    description: 'structured replies for requests no gridtwin endpoint serves (INVALID_ID, UNKNOWN_SUBJECT)',
    queue: 'gridtwin-catchall',
    endpoints: [{
      name: 'catch-all',
      subject: opts.subjects.all.pattern,
      queue: 'gridtwin-catchall',
      // Answers only requests no endpoint serves, with the subject's shape; mode `token` does not change that.
      metadata: { [ACCESS_METADATA_KEY]: describeAccess({ notPerOrganization: 'structured errors for subjects no endpoint serves' }) },
      handler: (m) => {
        if (!m.reply || opts.ignore?.(m.subject)) return;
        const err = classifyUnserved(m.subject, opts.served(), opts.subjects.families);
        if (err) m.respond(fail(err));
      },
    }],
  });
}
