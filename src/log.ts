// The only module that touches `console`. Every warning names the call and the problem in one
// line; `warnOnce` keeps a page that repeats a mistake in a loop from flooding the console.

export interface Log {
  /** `tracklet: track(): name must be a non-empty string` */
  warn(call: string, problem: unknown): void;
  warnOnce(call: string, problem: string): void;
  /** One readable line per call, flush, response and retry, only in debug mode. */
  debug(...parts: unknown[]): void;
}

export function createLog(isDebug: boolean, out: Pick<Console, 'warn' | 'log'> = console): Log {
  const seen: Record<string, 1> = Object.create(null); // no inherited name counts as seen
  const warn = (call: string, problem: unknown) => {
    try {
      out.warn(`tracklet: ${call}(): ${problem}`);
    } catch {
      // a page that broke console.warn gets no warnings, and no exception either
    }
  };
  return {
    warn,
    warnOnce(call, problem) {
      seen[call + problem] ||= (warn(call, problem), 1);
    },
    debug(...parts) {
      if (isDebug) {
        try {
          out.log('tracklet:', ...parts);
        } catch {
          // same as warn: logging must never break the page
        }
      }
    },
  };
}
