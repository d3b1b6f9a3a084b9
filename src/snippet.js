/* The snippet a site pastes into every page: ES5, no logic beyond queueing calls and loading
 * cio.js. Each queued call is [method, ...arguments] with the time of the call in `.t`, so the
 * real script can replay it as it happened. An existing `_cio` (an array, or the live API) is
 * kept. The build minifies this file into dist/snippet.html and the README. */
(function (w, d, cio, methods, i, script) {
  cio = w._cio = w._cio || [];
  methods = 'identify track page reset flush consent on off load sidentify'.split(' ');
  for (i = 0; i < methods.length; i++) {
    (function (method) {
      // Own methods only: one that Array.prototype was given by the page is not the stub's.
      // eslint-disable-next-line no-prototype-builtins -- cio is an array or the live API, both inherit it; .call() costs 14 B
      cio.hasOwnProperty(method) ||
        (cio[method] = function () {
          var call = [method].concat([].slice.call(arguments));
          call.t = +new Date();
          cio.push(call);
        });
    })(methods[i]);
  }
  script = d.createElement('script');
  script.async = true;
  script.id = 'cio-tracker';
  script.q = cio; // the queue, for cio.js, should a script replace window._cio before it loads
  script.src = 'https://YOUR_CDN/cio.js';
  script.setAttribute('data-site-id', 'YOUR_SITE_ID');
  script.setAttribute('data-endpoint', 'https://YOUR_ENDPOINT');
  d.head.appendChild(script);
})(window, document);
