// Live account page: listen to /account/events (Server-Sent Events) and update the
// status cells in place. When the server refuses the stream (a cap on open streams,
// or a server that does not stream) the EventSource closes and the page polls
// /account/state (the same snapshot, as JSON with an ETag) instead, trying the stream
// again now and then. Loaded as a file (the CSP forbids inline script).
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live) { return; }
  var labels = JSON.parse(live.getAttribute("data-labels") || "{}");
  var pollUrl = live.getAttribute("data-poll");
  var interval = 1000 * (parseInt(live.getAttribute("data-poll-interval"), 10) || 10);
  var RETRY_STREAM_EVERY = 6;  // polls between two attempts to stream again
  var source = null, timer = null, etag = null, polls = 0;

  function label(status) { return labels[status] || status; }

  function setOrder(id, status) {
    var cells = document.querySelectorAll('[data-order-status="' + id + '"]');
    for (var i = 0; i < cells.length; i++) { cells[i].textContent = label(status); }
    if (status === "paid" && cells.length) {
      var notices = document.querySelectorAll("[data-paid-notice]");
      for (var j = 0; j < notices.length; j++) { notices[j].hidden = false; }
    }
  }

  function setSubscription(sub) {
    if (!sub || !sub.status) { return; }
    var cell = document.querySelector("[data-subscription-status]");
    if (cell) { cell.textContent = label(sub.status); }
  }

  function apply(data) {
    if (data.type === "snapshot") {
      (data.orders || []).forEach(function (o) { setOrder(o.order_id, o.status); });
      setSubscription(data.subscription);
    } else if (data.type === "order") {
      setOrder(data.order_id, data.status);
      if (data.status === "paid") { setSubscription({status: "active"}); }
    } else if (data.type === "subscription") {
      setSubscription(data);
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
