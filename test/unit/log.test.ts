// The log alone: one line per warning naming the call, warnOnce per call and problem, debug
// lines only in debug mode, and a broken console never throws.
import { describe, expect, it, vi } from 'vitest';
import { createLog } from '../../src/log';

const fakeConsole = () => ({ warn: vi.fn(), log: vi.fn() });

describe('createLog', () => {
  it('writes "tracklet: call(): problem" on one line', () => {
    const out = fakeConsole();
    createLog(false, out).warn('track', 'the event name must be a non-empty string');
    expect(out.warn.mock.calls).toEqual([['tracklet: track(): the event name must be a non-empty string']]);
  });

  it('warns once per call and problem with warnOnce', () => {
    const out = fakeConsole();
    const log = createLog(false, out);
    log.warnOnce('track', 'a');
    log.warnOnce('track', 'a');
    log.warnOnce('track', 'b');
    log.warnOnce('page', 'a');
    expect(out.warn).toHaveBeenCalledTimes(3);
  });

  it.each([true, false])('writes debug lines only in debug mode (debug: %s)', (isDebug) => {
    const out = fakeConsole();
    createLog(isDebug, out).debug('flush', 3);
    expect(out.log.mock.calls).toEqual(isDebug ? [['tracklet:', 'flush', 3]] : []);
  });

  it('never throws when the console does', () => {
    const broken = {
      warn: () => {
        throw new Error('x');
      },
      log: () => {
        throw new Error('y');
      },
    };
    const log = createLog(true, broken);
    expect(() => (log.warn('a', 'b'), log.warnOnce('a', 'c'), log.debug('d'))).not.toThrow();
  });
});
