// Reloads the report version page once parsing changes its state. Configured by the data-*
// attributes of its own <script> tag, so the page needs no inline script (CSP script-src 'self').
(function () {
  var tag = document.currentScript;
  if (!tag) { return; }
  var url = tag.getAttribute("data-status-url"), state = tag.getAttribute("data-state");
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      if (d.state !== state) { window.location.reload(); } else { setTimeout(poll, 2000); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
