/* The snippet a site pastes into every page: ES5, no logic beyond queueing calls and loading
 * cio.js. Each queued call is [method, ...arguments] with the time of the call in `.t`, so the
 * real script can replay it as it happened. An existing `_cio` (an array, or the live API) is
 * kept. It never throws: under Trusted Types (`require-trusted-types-for 'script'`) the script
 * URL goes through a policy named "tracklet" that accepts this URL only; where that policy
 * cannot be made (no Trusted Types, the name not allowed, or made already by a first paste
 * without 'allow-duplicates') the plain URL is tried, and a refusal leaves the stub in place.
 * The build minifies this file into dist/snippet.html and the README. */
(function (w, d, cio, methods, i, script, url) {
  cio = w._cio = w._cio || [];
  methods = 'identify track page reset flush consent on off load sidentify'.split(' ');
  for (i = 0; i < methods.length; i++) {
    (function (method, call) {
      // Own methods only: one that Array.prototype was given by the page is not the stub's.
      // eslint-disable-next-line no-prototype-builtins -- cio is an array or the live API, both inherit it; .call() costs 14 B
      cio.hasOwnProperty(method) ||
        (cio[method] = function () {
          // The time goes on after the push: the queue holds the call itself, and cio.js reads
          // it at the replay (once cio.js runs, its push sends at once, at the time of the call).
          cio.push((call = [method].concat([].slice.call(arguments))));
          call.t = +new Date();
        });
    })(methods[i]);
  }
  script = d.createElement('script');
  script.async = true;
  script.id = 'cio-tracker';
  script.q = cio; // the queue, for cio.js, should a script replace window._cio before it loads
  script.setAttribute('data-site-id', 'YOUR_SITE_ID');
  script.setAttribute('data-endpoint', 'https://YOUR_ENDPOINT');
  url = 'https://YOUR_CDN/cio.js';
  try {
    url = w.trustedTypes
      .createPolicy('tracklet', {
        // Any other URL gets undefined, which Trusted Types turns into an empty script URL.
        createScriptURL: function (u) {
          if (u == url) return u;
        },
      })
      .createScriptURL(url);
  } catch (e) {
    // no Trusted Types, or no policy of that name to be had: the plain URL
  }
  try {
    script.src = url;
    d.head.appendChild(script);
  } catch (e) {
    // Trusted Types refused the plain URL: cio.js cannot load here, and the page must not break
  }
})(window, document);
