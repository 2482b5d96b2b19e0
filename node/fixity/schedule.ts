import { runFixityAudit, type FixityParts, type FixityRunReport } from './run.js';

export interface FixityScheduleOptions {
  /** Time between runs (ms); 0 schedules nothing. */
  readonly intervalMs: number;
  /** Fraction each run checks. */
  readonly sample: number;
  /** Delay of the first run when the store holds none yet (default: a minute, or the interval if shorter). */
  readonly firstDelayMs?: number;
  readonly now?: () => Date;
  /** Hears of each finished run, and of each run that failed to complete. */
  readonly onRun?: (report: FixityRunReport) => void;
  readonly onError?: (err: unknown) => void;
}

export interface FixitySchedule {
  /** When the next run starts (null when off or stopped). */
  readonly next: Date | null;
  /** Waits for a run in progress to finish its current check, then stops. */
  stop(): Promise<void>;
}

/**
 * Runs a fixity audit every `intervalMs`, counted from the end of the latest finished run in the store, so
 * that a restarted node neither re-runs at once nor waits a full interval again. One run at a time.
 */
export function startFixitySchedule(
  parts: Readonly<FixityParts>,
  options: Readonly<FixityScheduleOptions>,
): FixitySchedule {
  const now = options.now ?? (() => new Date());
  const stopper = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let next: Date | null = null;

  const plan = (): void => {
    if (stopper.signal.aborted || options.intervalMs <= 0) return;
    const last = parts.store.summary().lastRun?.finished;
    const at = last
      ? Date.parse(last) + options.intervalMs
      : now().getTime() + (options.firstDelayMs ?? Math.min(60_000, options.intervalMs));
    const delay = Math.max(0, Math.min(at - now().getTime(), 2 ** 31 - 1));
    next = new Date(now().getTime() + delay);
    timer = setTimeout(fire, delay);
    timer.unref();
  };

  const fire = (): void => {
    next = null;
    running = runFixityAudit(parts, { sample: options.sample, trigger: 'schedule', signal: stopper.signal, now })
      .then((report) => options.onRun?.(report))
      .catch((err: unknown) => {
        if (!stopper.signal.aborted) options.onError?.(err);
      })
      .finally(() => {
        running = undefined;
        // a run that failed before recording anything would otherwise be retried in a tight loop
        if (!stopper.signal.aborted) {
          const last = parts.store.summary().lastRun?.finished;
          if (!last || Date.parse(last) + options.intervalMs <= now().getTime()) {
            next = new Date(now().getTime() + options.intervalMs);
            timer = setTimeout(fire, options.intervalMs);
            timer.unref();
          } else plan();
        }
      });
  };

  plan();
  return {
    get next() {
      return next;
    },
    async stop() {
      stopper.abort();
      if (timer) clearTimeout(timer);
      next = null;
      await running;
    },
  };
}
