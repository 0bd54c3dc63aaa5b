// Live account page: listen to /account/events (Server-Sent Events) and update the
// status cells in place. Loaded as a file (the CSP forbids inline script).
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) { return; }
  var labels = JSON.parse(live.getAttribute("data-labels") || "{}");

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

  var source = new EventSource(live.getAttribute("data-live"));
  ["snapshot", "update"].forEach(function (name) {
    source.addEventListener(name, function (event) {
      try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a malformed event */ }
    });
  });
}());
