// The script of the simulator's page (page.ts), served as `/page.js`: a same-origin file rather
// than an inline script, so the page also works behind a Content-Security-Policy that forbids
// inline scripts. Plain browser JavaScript, polling `/api/pos` every second.

export const PAGE_SCRIPT = `"use strict";
(function () {
  var base = document.body.getAttribute("data-base") || "";
  var selected = new URLSearchParams(location.search).get("pos");
  var entries = [];
  // the simulator's own seller: its POS go by external id, an OAuth seller's by id@seller
  var ownUser = null;
  var busy = false;
  // Outside development the helpers need a full-access key: asked for on the first 401, kept
  // for this tab only and sent as a bearer token.
  var KEY_SLOT = "simulator-api-key";
  var key = null;
  try { key = sessionStorage.getItem(KEY_SLOT); } catch (e) { key = null; }

  // The service's own view of the sales (GET /sales with the key), by reference.
  var serviceSales = {};
  var serviceNote = "";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  var timeFormat = new Intl.DateTimeFormat(undefined,
    { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function $(id) { return document.getElementById(id); }
  function money(n) { return typeof n === "number" ? n.toFixed(2) : ""; }
  function clock(iso) { return iso ? timeFormat.format(new Date(iso)) : ""; }
  function cell(text, cls, label) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    if (label) td.setAttribute("data-label", label);
    return td;
  }
  function badge(text) {
    var span = document.createElement("span");
    span.className = "badge " + text;
    span.textContent = text;
    return span;
  }
  function say(text, isError) {
    var msg = $("msg");
    msg.textContent = text;
    msg.className = isError ? "error" : "";
  }

  function api(method, path, body) {
    return call(method, base + path, body);
  }

  // The service itself is at this origin's root (the simulator is mounted under it).
  function call(method, url, body) {
    var init = { method: method, headers: {} };
    if (key) init.headers["authorization"] = "Bearer " + key;
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (!res.ok) {
          var error = json && (json.message || (json.error && json.error.message));
          var err = new Error(error || res.status + " " + res.statusText);
          err.status = res.status;
          err.code = json && json.error && json.error.code;
          err.details = (json && json.error && json.error.details) || [];
          throw err;
        }
        return json;
      });
    });
  }

  function keyOf(entry) {
    return entry.pos.user_id === ownUser
      ? entry.pos.external_id : entry.pos.external_id + "@" + entry.pos.user_id;
  }

  function current() {
    for (var i = 0; i < entries.length; i++) {
      if (keyOf(entries[i]) === selected) return entries[i];
    }
    return null;
  }

  function renderSelect() {
    var select = $("pos-select");
    var ids = entries.map(keyOf);
    if (selected && ids.indexOf(selected) < 0) {
      // a POS named by its external id alone (?pos=, a new sale): the first seller's that has it
      var named = entries.filter(function (e) { return e.pos.external_id === selected; })[0];
      if (named) selected = keyOf(named);
    }
    if (!selected || ids.indexOf(selected) < 0) selected = ids.length ? ids[0] : null;
    var have = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (have.join("|") !== ids.join("|")) {
      select.replaceChildren.apply(select, ids.map(function (id) {
        var option = document.createElement("option");
        option.value = id;
        option.textContent = id;
        return option;
      }));
    }
    if (selected) select.value = selected;
    $("no-pos").hidden = ids.length > 0;
  }

  function renderOrder(entry) {
    var img = $("qr");
    if (entry) {
      if (img.getAttribute("src") !== entry.pos.qr.image) img.setAttribute("src", entry.pos.qr.image);
      img.hidden = false;
    } else {
      img.hidden = true;
    }
    var order = entry ? entry.order : null;
    $("no-order").hidden = !!order;
    $("order-body").hidden = !order;
    var items = $("items");
    if (!order) { items.replaceChildren(); return; }
    $("order-title").textContent = order.title || "";
    $("order-ref").textContent = "Reference " + order.external_reference;
    items.replaceChildren.apply(items, (order.items || []).map(function (it) {
      var tr = document.createElement("tr");
      tr.append(cell(it.title), cell(it.quantity, "num"), cell(money(it.unit_price), "num"),
        cell(money(it.total_amount), "num"));
      return tr;
    }));
    $("order-total").textContent = money(order.total_amount);
    $("order-expires").textContent = entry.order_expires_at
      ? "Expires at " + clock(entry.order_expires_at) + " (" + zone + ")" : "No expiration date";
    setServiceBadge($("order-service"), order.external_reference);
  }

  function setServiceBadge(node, ref) {
    var sale = serviceSales[ref];
    var text = sale ? sale.status : (key ? serviceNote || "not a sale of the service" : "needs a key");
    node.className = "badge " + (sale ? sale.status : "");
    node.setAttribute("data-service-status", sale ? sale.status : "");
    node.textContent = text;
  }

  function renderMerchantOrders(entry) {
    var rows = $("mo-rows");
    var list = entry ? entry.merchant_orders : [];
    $("mo-pos").textContent = entry ? "on " + entry.pos.external_id : "";
    $("no-mo").hidden = list.length > 0;
    rows.replaceChildren.apply(rows, list.map(function (mo) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-testid", "mo-row");
      tr.setAttribute("data-mo-id", String(mo.id));
      tr.setAttribute("data-status", mo.status);
      tr.setAttribute("data-order-status", mo.order_status);
      var status = cell(""); status.append(badge(mo.status));
      var orderStatus = cell(""); orderStatus.append(badge(mo.order_status));
      var pays = cell("", "payments");
      mo.payments.forEach(function (p) {
        var div = document.createElement("div");
        div.append(document.createTextNode(p.id + " "), badge(p.status),
          document.createTextNode(" " + money(p.transaction_amount)));
        pays.append(div);
      });
      status.setAttribute("data-label", "Status");
      orderStatus.setAttribute("data-label", "Order status");
      pays.setAttribute("data-label", "Payments");
      var service = cell("", "", "Service");
      var serviceBadge = document.createElement("span");
      setServiceBadge(serviceBadge, mo.external_reference);
      service.append(serviceBadge);
      tr.append(cell(mo.id, "", "Id"), cell(mo.external_reference, "", "Reference"), status,
        orderStatus, cell(money(mo.total_amount), "num", "Total"),
        cell(money(mo.paid_amount), "num", "Paid"), pays,
        cell(clock(mo.last_updated), "", "Updated"), service);
      return tr;
    }));
  }

  function render() {
    renderSelect();
    var entry = current();
    $("zone").textContent = "Times are in " + zone + " (this browser's time zone).";
    $("key-form").hidden = !!key;
    $("sale-form").hidden = !key;
    if (!key) {
      $("sale-form").removeAttribute("data-filled");
    } else if (!$("sale-form").hasAttribute("data-filled")) {
      $("sale-form").setAttribute("data-filled", "");
      $("sale-store").value = entry ? entry.pos.external_store_id : "SUC001";
      $("sale-pos").value = entry ? entry.pos.external_id : "SUC001POS001";
    }
    renderOrder(entry);
    renderMerchantOrders(entry);
    var hasOrder = !!(entry && entry.order);
    ["btn-scan", "btn-pay", "btn-reject", "btn-expire"].forEach(function (id) {
      $(id).disabled = busy || !hasOrder;
    });
    // only an Orders API order can be cancelled at Mercado Pago
    $("btn-cancel").disabled = busy || !hasOrder || entry.order.api !== "orders";
  }

  function askForKey(err) {
    if (key) forgetKey(err.message);
    var form = $("key-form");
    $("sale-form").hidden = true;
    if (form.hidden) {
      form.hidden = false;
      $("key").focus();
    }
    say(err.message, true);
  }

  /** The service's sales on the selected POS: its own status beside Mercado Pago's orders. */
  function refreshService() {
    var entry = current();
    if (!key || !entry) return Promise.resolve();
    return call("GET", "/sales?limit=50&pos_id=" + encodeURIComponent(entry.pos.external_id)).then(
      function (body) {
        serviceNote = "";
        body.data.forEach(function (sale) { serviceSales[sale.external_reference] = sale; });
      },
      function (err) {
        serviceNote = err.status === 404 ? "no service here" : "service: " + err.message;
        if (err.status === 401) forgetKey("The service does not know this key: " + err.message);
      });
  }

  function forgetKey(text) {
    key = null;
    try { sessionStorage.removeItem(KEY_SLOT); } catch (ignored) { /* nothing kept */ }
    say(text, true);
  }

  function refresh() {
    return api("GET", "/api/pos").then(function (body) {
      entries = body.pos;
      ownUser = body.user_id;
      if (selected && !current()) renderSelect();
      return refreshService();
    }).then(function () {
      render();
    }).catch(function (err) {
      if (err.status === 401 || err.status === 403) askForKey(err);
      else say("Cannot reach the simulator: " + err.message, true);
    });
  }

  function act(label, path, body) {
    var entry = current();
    if (!entry) return;
    busy = true;
    render();
    api("POST", "/api/pos/" + encodeURIComponent(entry.pos.external_id) + path
      + "?user_id=" + encodeURIComponent(entry.pos.user_id), body).then(function (res) {
      if ((label === "Pay" || label === "Reject") && res.order) {
        say(label + ": order " + res.order.id + " " + res.order.status + "/"
          + res.order.status_detail, false);
      } else if (label === "Pay" || label === "Reject") {
        say(label + ": payment " + res.payment.id + " " + res.payment.status
          + ", merchant order " + res.merchant_order.id + " " + res.merchant_order.status, false);
      } else if (label === "Scan" && typeof res.id === "string") {
        say("Scanned: order " + res.id, false);
      } else if (label === "Scan") {
        say("Scanned: merchant order " + res.id + " created", false);
      } else if (label === "Cancel") {
        say("Cancelled at Mercado Pago: order " + res.order.id, false);
      } else {
        say("Order expired", false);
      }
    }).catch(function (err) { say(label + " failed: " + err.message, true); })
      .then(function () { busy = false; return refresh(); });
  }

  $("key-form").addEventListener("submit", function (e) {
    e.preventDefault();
    key = $("key").value.trim() || null;
    try {
      if (key) sessionStorage.setItem(KEY_SLOT, key);
      else sessionStorage.removeItem(KEY_SLOT);
    } catch (ignored) { /* storage may be off: the key lives until the page is left */ }
    $("key").value = "";
    say("", false);
    refresh();
  });
  $("sale-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var price = Number($("sale-price").value.replace(",", "."));
    var ref = "sim-" + Date.now().toString(36);
    call("POST", "/sales", {
      store_id: $("sale-store").value.trim(),
      pos_id: $("sale-pos").value.trim(),
      external_reference: ref,
      items: [{ title: $("sale-title").value.trim() || "Item", unit_price: price, quantity: 1 }],
    }).then(function (sale) {
      selected = sale.pos_id;
      say("Sale " + sale.external_reference + " of " + money(sale.total_amount)
        + " is on POS " + sale.pos_id + ": the service says " + sale.status, false);
      return refresh();
    }).catch(function (err) {
      var blocking = err.details.filter(function (d) { return d && d.external_reference; })[0];
      say(err.code === "pos_busy"
        ? "This POS already has a sale waiting" + (blocking ? ": " + blocking.external_reference : "")
          + ". Pay, reject or expire it first."
        : "The service refused the sale: " + err.message, true);
    });
  });
  $("pos-select").addEventListener("change", function (e) {
    selected = e.target.value;
    say("", false);
    render();
  });
  $("btn-scan").addEventListener("click", function () { act("Scan", "/scan"); });
  $("btn-pay").addEventListener("click", function () { act("Pay", "/pay", { status: "approved" }); });
  $("btn-reject").addEventListener("click", function () { act("Reject", "/pay", { status: "rejected" }); });
  $("btn-expire").addEventListener("click", function () { act("Expire", "/expire"); });
  $("btn-cancel").addEventListener("click", function () { act("Cancel", "/cancel"); });
  $("refund-mode").addEventListener("change", function (e) {
    var choice = e.target.value.split(" ");
    var change = choice[0] === "sync" ? { mode: "sync" } : { mode: "async", outcome: choice[1] };
    api("PUT", "/api/refunds", change).then(function (s) {
      say("Refunds from now on: " + (s.mode === "sync" ? "made at once" : "processing for "
        + s.settle_ms + " ms, then " + s.outcome), false);
    }).catch(function (err) { say("Refund mode failed: " + err.message, true); });
  });

  refresh();
  setInterval(refresh, 1000);
})();
`;
