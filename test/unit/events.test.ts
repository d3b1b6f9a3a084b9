// on()/off() delivery events, the one guard that turns exceptions into warnings, and debug lines.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, storedIds, type Setup } from './harness';

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

describe('the one guard, around what the browser calls too', () => {
  it('turns an exception while the page hides into a warning and an error event', async () => {
    let isBroken = false;
    const stringify = (value: unknown) => {
      if (isBroken) throw new Error('broken JSON');
      return JSON.stringify(value);
    };
    const cio = await s.open({}, { stringify });
    const error = vi.fn();
    cio.on('error', error);
    cio.track('a');
    await settle(); // built, and waiting for its batch
    isBroken = true;
    s.hide();
    expect(error).toHaveBeenCalledWith({ call: 'flush', error: new Error('broken JSON') });
    expect(s.warnings()).toEqual(['tracklet: flush(): Error: broken JSON']);
  });

  it('turns an exception when the page shows again into a warning and an error event', async () => {
    let isBroken = false;
    const clearTimeout = (timer: unknown) => {
      if (isBroken) throw new Error('broken timers');
      globalThis.clearTimeout(timer as number);
    };
    const cio = await s.open({}, { clearTimeout });
    const error = vi.fn();
    cio.on('error', error);
    s.hide();
    isBroken = true;
    s.show();
    expect(error).toHaveBeenCalledWith({ call: 'flush', error: new Error('broken timers') });
    expect(s.warnings()).toEqual(['tracklet: flush(): Error: broken timers']);
  });

  it('lets no rejection of the last-try fetch at page hide reach the page, and keeps its message', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      let isBroken = false;
      // A page that broke its timers: the request's 10 s timeout cannot be armed.
      const setTimeout = (fn: () => void, ms: number) => {
        if (isBroken) throw new Error('broken timers');
        return globalThis.setTimeout(fn, ms);
      };
      s.sendBeacon.mockReturnValue(false); // the quota is spent: the last try is a fetch
      const cio = await s.open({}, { setTimeout });
      cio.track('a');
      await settle();
      isBroken = true;
      s.hide();
      await settle();
      vi.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve)); // Node has looked for unhandled rejections
      expect(rejections).toEqual([]);
      expect(storedIds(s.outboxes())).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe.each(['on', 'off'] as const)('%s() with a name that is not a delivery event', (method) => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'snet', 'Sent'])(
    '(%s) warns once, naming the call and the name, and never emits an error',
    async (name) => {
      const cio = await s.open();
      const error = vi.fn();
      cio.on('error', error);
      const handler = vi.fn();
      cio[method](name as 'sent', handler);
      cio[method](name as 'sent', handler);
      expect(s.warnings()).toEqual([`tracklet: ${method}(): "${name}" is not a delivery event`]);
      expect(error).not.toHaveBeenCalled();
      cio.track('a');
      await cio.flush();
      expect(handler).not.toHaveBeenCalled();
    },
  );
});
