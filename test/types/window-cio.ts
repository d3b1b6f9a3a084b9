// window._cio is typed for pages that use the snippet from TypeScript.
import type {} from '../../src/index';

window._cio?.track('clicked', { n: 1 });
window._cio?.push(['track', 'clicked']);
// @ts-expect-error: track needs a name
window._cio?.track();
