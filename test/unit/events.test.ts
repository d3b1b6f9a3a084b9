// on()/off() delivery events, the one guard that turns exceptions into warnings, and debug lines.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

describe('on and off', () => {
  it('calls a handler for each event until off() removes it', async () => {
    const cio = await s.open();
    const sent = vi.fn();
    cio.on('sent', sent);
    cio.track('a');
    await cio.flush();
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent).toHaveBeenCalledWith({ count: 1, status: 200 });

    cio.off('sent', sent);
    cio.track('b');
    await cio.flush();
    expect(sent).toHaveBeenCalledTimes(1);
    expect(s.requests).toHaveLength(2);
  });

  it('keeps delivering when a handler throws', async () => {
    const cio = await s.open();
    const after = vi.fn();
    cio.on('sent', () => {
      throw new Error('page bug');
    });
    cio.on('sent', after);
    cio.track('a');
    cio.track('b');
    await cio.flush();
    expect(after).toHaveBeenCalledTimes(1);
    expect(s.outboxes()).toEqual({});
  });

  it("emits 'error' and warns, without throwing, when a call fails inside the library", async () => {
    const cio = await s.open(
      {},
      {
        stringify: () => {
          throw new Error('broken JSON');
        },
      },
    );
    const error = vi.fn();
    cio.on('error', error);
    expect(() => cio.track('a')).not.toThrow();
    await settle(); // the message is built at the end of the task
    expect(error).toHaveBeenCalledWith({ call: 'track', error: new Error('broken JSON') });
    expect(s.warnings()).toEqual(['tracklet: track(): Error: broken JSON']);
  });

  it('stays silent when console.warn itself throws', async () => {
    const cio = await s.open(
      {},
      {
        console: {
          warn: () => {
            throw new Error('no console');
          },
          log: () => {},
        },
      },
    );
    expect(() => cio.track('')).not.toThrow();
  });
});

describe('debug', () => {
  it('logs one line per call, flush, response and retry through the injected console', async () => {
    const cio = await s.open({ debug: true }, { random: () => 1 });
    s.answers.push(500);
    cio.track('a', { n: 1 });
    await cio.flush();
    const lines = s.console.log.mock.calls;
    expect(lines).toContainEqual(['tracklet:', 'track', 'a', { n: 1 }]);
    expect(lines).toContainEqual(['tracklet:', 'flush', 1]);
    expect(lines).toContainEqual(['tracklet:', 'response', 500]);
    expect(lines).toContainEqual(['tracklet:', 'retry 1 in 1000 ms']);
    for (const line of lines) expect(line[0]).toBe('tracklet:');
  });

  it('logs nothing without debug', async () => {
    const cio = await s.open({}, { random: () => 1 });
    s.answers.push(500);
    cio.track('a');
    await cio.flush();
    expect(s.console.log).not.toHaveBeenCalled();
  });
});
