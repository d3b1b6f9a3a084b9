// The floor (issue 16): the least a tracker can do that persists every task and batches its
// requests. Each call builds its message (the fields tracklet sends) and the message's JSON; at the
// end of the task, one new localStorage key holds only that task's messages; every 20 messages
// (or 1 s after the last call) one plain fetch sends them, and once it is answered, each key whose
// messages were all acknowledged is deleted. No validation, no identity, no retries, no unload
// handling, no gzip: a lower bound for the main-thread work of such a tracker, not a tracker.
// Inlined into the bench page by pages.mjs; it reads window.__SINK and defines window.__track.
/* global window, document, location -- a browser script, inlined into a page */
(function () {
  var url = window.__SINK + '/v1/batch';
  var BATCH = 20;
  var tab = Math.random().toString(36).slice(2);
  var anonymousId = 'floor-' + tab;
  var keyCount = 0;
  var messageCount = 0;
  /** This task's messages (JSON); the unsent ones as [json, key]; messages left per key. */
  var task = [];
  var unsent = [];
  var left = {};
  var timer = 0;

  function send(batch) {
    var body = '{"writeKey":"bench","sentAt":"' + new Date().toISOString() + '","batch":[';
    for (var i = 0; i < batch.length; i++) body += (i ? ',' : '') + batch[i][0];
    fetch(url, { method: 'POST', body: body + ']}', headers: { 'Content-Type': 'text/plain;charset=UTF-8' } })
      .then(function (res) {
        return res.text();
      })
      .then(function () {
        for (var i = 0; i < batch.length; i++) if (!--left[batch[i][1]]) localStorage.removeItem(batch[i][1]);
      })
      .catch(function () {});
  }

  function sendAll() {
    timer = 0;
    while (unsent.length) send(unsent.splice(0, BATCH));
  }

  function endTask() {
    var key = '_floor:' + tab + ':' + ++keyCount;
    localStorage.setItem(key, '[' + task.join(',') + ']');
    left[key] = task.length;
    for (var i = 0; i < task.length; i++) unsent.push([task[i], key]);
    task = [];
    while (unsent.length >= BATCH) send(unsent.splice(0, BATCH));
    if (unsent.length && !timer) timer = setTimeout(sendAll, 1000);
  }

  window.__track = function (name, properties) {
    var page = {
      url: location.href,
      path: location.pathname,
      referrer: document.referrer,
      title: document.title,
      search: location.search,
    };
    var message = {
      type: 'track',
      messageId: tab + (++messageCount).toString(36),
      timestamp: new Date().toISOString(),
      anonymousId: anonymousId,
      event: name,
      properties: properties,
      context: { page: page, userAgent: navigator.userAgent, locale: navigator.language, library: { name: 'floor' } },
    };
    if (!task.length) queueMicrotask(endTask);
    task.push(JSON.stringify(message));
  };
  window.__ready();
})();
