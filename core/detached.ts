/**
 * Work that nobody awaits (a bus handler, a timer's round, a fire-and-forget publish) goes through `detach`, so a
 * rejection is reported instead of becoming an unhandled rejection. The node points the reporter at its logger
 * and a metric (`setDetachedErrorReporter`); until then a rejection becomes a process warning — never silence.
 */
export type DetachedErrorReporter = (err: unknown, what: string) => void;

const warn: DetachedErrorReporter = (err, what) => {
  process.emitWarning(`gridtwin: ${what} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
};
let reporter: DetachedErrorReporter = warn;

/** Sets where rejections of detached work go; returns a function restoring the previous reporter. */
export function setDetachedErrorReporter(next: DetachedErrorReporter): () => void {
  const previous = reporter;
  reporter = next;
  return () => { reporter = previous; };
}

/** Runs `work` without awaiting it; `what` names it in the report if it rejects. */
export function detach(work: PromiseLike<unknown> | void | (() => PromiseLike<unknown> | void), what: string): void {
  let p: PromiseLike<unknown> | void;
  try {
    p = typeof work === 'function' ? work() : work;
  } catch (err) {
    reporter(err, what);
    return;
  }
  Promise.resolve(p).then(undefined, (err: unknown) => reporter(err, what));
}
