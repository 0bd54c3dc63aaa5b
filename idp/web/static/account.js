// Live account pages: listen to /account/events (Server-Sent Events) and, whenever the
// organisation's state changes, re-render every panel of the page from the server: each
// element with data-fragment="URL" is replaced by the HTML that URL serves now (the
// subscription panel with its buttons, the history, the order). When the server refuses
// the stream (a cap on open streams, or a server that does not stream) the EventSource
// closes and the page polls /account/state (the same snapshot, as JSON with an ETag)
// instead, trying the stream again now and then. Loaded as a file (the CSP forbids
// inline script).
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live) { return; }
  var pollUrl = live.getAttribute("data-poll");
  var interval = 1000 * (parseInt(live.getAttribute("data-poll-interval"), 10) || 10);
  var RETRY_STREAM_EVERY = 6;  // polls between two attempts to stream again
  var source = null, timer = null, etag = null, polls = 0, seen = null;

  function swap(justPaid) {
    var panels = document.querySelectorAll("[data-fragment]");
    Array.prototype.forEach.call(panels, function (panel) {
      var url = panel.getAttribute("data-fragment");
      if (justPaid && panel.id === "subscription") {
        url += (url.indexOf("?") < 0 ? "?" : "&") + "paid=" + encodeURIComponent(justPaid);
      }
      fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (response) { return response.status === 200 ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("[data-fragment]");
          if (fresh && panel.parentNode) { panel.parentNode.replaceChild(fresh, panel); }
          document.documentElement.setAttribute("data-live-updated", String(Date.now()));
        })
        .catch(function () { /* offline: the next event or poll tries again */ });
    });
  }

  function apply(data) {
    if (data.type === "snapshot") {
      // Re-render when the state differs from the last one seen (the first snapshot too:
      // something may have changed between the page's rendering and the stream's start).
      var text = JSON.stringify(data);
      if (text !== seen) { seen = text; swap(null); }
    } else {
      // An event that just happened: the banner is for a payment that cleared now.
      swap(data.type === "order" && data.status === "paid" ? data.order_id : null);
    }
  }

  function poll() {
    var headers = etag ? {"If-None-Match": etag} : {};
    fetch(pollUrl, {credentials: "same-origin", cache: "no-store", headers: headers})
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { stopPolling(); return; }
        if (response.status !== 200) { return; }  // 304: unchanged
        etag = response.headers.get("ETag");
        return response.json().then(apply);
      })
      .catch(function () { /* offline: the next poll tries again */ });
  }

  function tick() {
    polls += 1;
    if (polls % RETRY_STREAM_EVERY === 0 && !source) { listen(); }
    poll();
  }

  function startPolling() {
    if (timer) { return; }
    poll();
    timer = window.setInterval(tick, interval);
  }

  function stopPolling() {
    if (timer) { window.clearInterval(timer); timer = null; }
  }

  function listen() {
    if (!window.EventSource) { startPolling(); return; }
    source = new EventSource(live.getAttribute("data-live"));
    ["snapshot", "update"].forEach(function (name) {
      source.addEventListener(name, function (event) {
        try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a malformed event */ }
      });
    });
    source.addEventListener("open", stopPolling);
    source.addEventListener("error", function () {
      // A refusal (429, 503, 204) or any non-stream answer closes the EventSource for
      // good; a dropped connection leaves it CONNECTING and it reconnects by itself.
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        startPolling();
      }
    });
  }

  listen();
}());
