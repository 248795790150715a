// The simulator's page: it plays the customer's phone (pick a POS, see its QR and pending order,
// scan / pay / reject / expire) and shows the merchant orders beside the service's own status of
// each sale; with an API key it also rings up a sale as a till would. Plain HTML and vanilla JS. The
// script is served as a separate same-origin file rather than inline, so the page also works
// behind a Content-Security-Policy that forbids inline scripts (e.g. helmet's defaults).

import { PAGE_STYLE } from "./page-style.ts";

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export function renderPage(basePath: string): string {
  const base = escapeHtml(basePath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mercado Pago simulator</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body data-base="${base}">
<header><h1>Mercado Pago simulator</h1><span>the customer's phone</span></header>
<main>
  <section class="card phone">
    <label for="pos-select">POS <select id="pos-select"></select></label>
    <p id="no-pos" class="muted" hidden>No POS yet. PUT an order on a POS and it appears here.</p>
    <div class="qr"><img id="qr" alt="QR code of the selected POS" hidden></div>
    <p class="qr-note" id="qr-note">Simulator QR: it only names this POS for this page. A real
    phone cannot scan it to pay; use Scan and Pay below.</p>
    <div class="order" id="order">
      <p id="no-order" class="muted">Waiting screen: no order on this POS.</p>
      <div id="order-body" hidden>
        <h2 id="order-title"></h2>
        <div id="order-ref" class="muted"></div>
        <table>
          <thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th>
          <th class="num">Total</th></tr></thead>
          <tbody id="items"></tbody>
        </table>
        <div class="total"><span>Total</span><span id="order-total"></span></div>
        <div id="order-expires" class="muted"></div>
        <div>The service says: <span id="order-service" class="badge">—</span></div>
      </div>
    </div>
    <div class="actions">
      <button id="btn-scan" type="button">Scan</button>
      <button id="btn-pay" type="button" class="primary">Pay</button>
      <button id="btn-reject" type="button">Reject</button>
      <button id="btn-expire" type="button">Expire</button>
      <button id="btn-cancel" type="button" title="Cancelled at Mercado Pago (Orders API)">Cancel</button>
    </div>
    <label for="refund-mode">Refunds
      <select id="refund-mode">
        <option value="sync">made at once</option>
        <option value="async processed">processing, then made</option>
        <option value="async failed">processing, then failed</option>
      </select>
    </label>
    <p id="msg" role="status"></p>
    <form id="key-form">
      <label for="key">API key <input id="key" type="password" autocomplete="off"></label>
      <p class="muted" id="key-why">With an API key (npm start prints one and keeps it in
      .data/api-key; outside development a full-access key is needed) this page shows the
      service's own status of each sale and rings up sales. It is kept in this tab only.</p>
      <button id="btn-key" type="submit" class="primary">Use key</button>
    </form>
    <form id="sale-form" hidden>
      <h2>Ring up a sale (as the till)</h2>
      <label>Store id <input id="sale-store" required></label>
      <label>POS id <input id="sale-pos" required></label>
      <label>Item <input id="sale-title" value="Coffee" required></label>
      <label>Price <input id="sale-price" value="2.50" inputmode="decimal" required></label>
      <button id="btn-sale" type="submit" class="primary">Ring up</button>
    </form>
  </section>
  <section class="card mos">
    <h2>Merchant orders <span class="muted" id="mo-pos"></span></h2>
    <div class="scroll"><table>
      <thead><tr><th>Id</th><th>Reference</th><th>Status</th><th>Order status</th>
      <th class="num">Total</th><th class="num">Paid</th><th>Payments</th><th>Updated</th>
      <th>Service</th></tr></thead>
      <tbody id="mo-rows"></tbody>
    </table></div>
    <p id="no-mo" class="muted">No merchant orders yet (they appear when the QR is scanned).</p>
    <p class="muted" id="zone"></p>
  </section>
</main>
<script src="${base}/page.js"></script>
</body>
</html>
`;
}
