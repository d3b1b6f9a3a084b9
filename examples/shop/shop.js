// The shop's own script: what a site adds around the pasted snippet. No inline handlers, so the
// pages run under a Content-Security-Policy that allows only the snippet's hash.
(function () {
  var ACCOUNT_KEY = 'tracklet-demo-account';

  // The snippet defines window._cio; without it (dist/ not built) the buttons still work.
  function cio() {
    return window._cio || { track: function () {}, identify: function () {}, reset: function () {} };
  }

  function showAccount() {
    var who = document.getElementById('who');
    var logout = document.getElementById('logout');
    var account = localStorage.getItem(ACCOUNT_KEY);
    if (who) who.textContent = account ? 'logged in as ' + account : 'not logged in';
    if (logout) logout.hidden = !account;
  }

  document.querySelectorAll('.add-to-cart').forEach(function (button) {
    button.addEventListener('click', function () {
      cio().track('added_to_cart', {
        sku: button.dataset.sku,
        name: button.dataset.name,
        price: Number(button.dataset.price),
        currency: 'EUR',
      });
      button.textContent = 'Added ✓';
    });
  });

  var login = document.getElementById('login');
  if (login) {
    login.addEventListener('submit', function (event) {
      event.preventDefault();
      var id = login.querySelector('[name=id]').value.trim();
      var email = login.querySelector('[name=email]').value.trim();
      cio().identify({ id: id, email: email, created_at: Math.floor(Date.now() / 1000) });
      localStorage.setItem(ACCOUNT_KEY, id);
      document.getElementById('login-done').hidden = false;
      showAccount();
    });
  }

  var logout = document.getElementById('logout');
  if (logout) {
    logout.addEventListener('click', function () {
      cio().reset();
      localStorage.removeItem(ACCOUNT_KEY);
      showAccount();
    });
  }

  // scrolled_to_bottom: once per page view, when the last paragraph comes into sight.
  var end = document.getElementById('article-end');
  if (end && 'IntersectionObserver' in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (
        !entries.some(function (entry) {
          return entry.isIntersecting;
        })
      )
        return;
      observer.disconnect();
      var article = end.closest('[data-article]');
      cio().track('scrolled_to_bottom', { article: article ? article.dataset.article : location.pathname });
    });
    observer.observe(end);
  }

  showAccount();
})();
