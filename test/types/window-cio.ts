// window._cio is typed for pages that use the snippet from TypeScript: the stub until cio.js
// has run (its methods queue and return nothing), then the live API. Each `@ts-expect-error`
// fails the type check if the line below it ever stops being an error.
import type {} from '../../src/index';

window._cio?.track('clicked', { n: 1 });
window._cio?.push(['track', 'clicked']);
// @ts-expect-error -- track needs a name
window._cio?.track();
// @ts-expect-error -- before cio.js has run, flush() is the stub's and returns nothing to wait for
void window._cio?.flush().then(() => {});

export async function flushOnceLoaded(): Promise<void> {
  const cio = window._cio;
  if (cio && !Array.isArray(cio)) await cio.flush(); // the live API: flush() resolves
}
