import type { Logger } from './logger';
import type { Metrics } from './metrics';

/**
 * The last line of defence (issue 11): a promise rejection nobody handled is logged and counted
 * (`gridtwin_unhandled_rejections_total`), and the node keeps serving instead of exiting. It hides nothing:
 * every one is a defect to fix where the promise was created. Returns the uninstaller.
 */
export function guardUnhandledRejections(logger: Logger, metrics: Pick<Metrics, 'unhandledRejections'>): () => void {
  const onRejection = (reason: unknown) => {
    metrics.unhandledRejections.inc();
    const err = reason instanceof Error ? { message: reason.message, stack: reason.stack } : { message: String(reason) };
    logger.error({ err }, 'unhandled promise rejection; the node keeps serving');
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('unhandledRejection', onRejection);
  };
}
