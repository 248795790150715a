// The pages' HTML: plain shells that hold no data (every figure is read with the signed-in key
// by the page's script, a file under public/). Nothing here is inline script or inline style.

export type DashboardPage = "today" | "sale" | "stores";

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pages.css">
</head>`;
}

const SIGN_IN = `
<section id="signin" class="card narrow" hidden>
  <h1>Sign in</h1>
  <form id="signin-form">
    <label for="signin-key">API key</label>
    <input id="signin-key" name="key" type="password" autocomplete="off" required>
    <p class="muted">A staff or full-access key. It is kept in this browser tab only and sent
    with each request; closing the tab or signing out forgets it.</p>
    <button type="submit" class="primary">Sign in</button>
    <p id="signin-error" class="error" role="alert"></p>
  </form>
</section>`;

const TODAY = `
<section class="card">
  <h1>Sales <span id="live" class="live" role="status">connecting…</span></h1>
  <form id="filters" class="filters">
    <label>Date <input id="f-date" name="date" type="date" required></label>
    <label>Store <select id="f-store" name="store_id"><option value="">All stores</option></select></label>
    <label>POS <select id="f-pos" name="pos_id"><option value="">All POS</option></select></label>
    <label>Status <select id="f-status" name="status">
      <option value="">Any status</option><option value="pending">pending</option>
      <option value="paid">paid</option><option value="refunded">refunded</option>
      <option value="cancelled">cancelled</option><option value="expired">expired</option>
      <option value="failed">failed</option></select></label>
    <button id="export" type="button">Export CSV</button>
  </form>
  <p class="muted zone" data-zone></p>
</section>
<section class="card">
  <h2>Summary of the day</h2>
  <div id="summary" class="summary"></div>
</section>
<section class="card">
  <h2>Sales, newest first</h2>
  <p id="message" role="status"></p>
  <table class="sales">
    <thead><tr><th>Time</th><th>Reference</th><th>Store / POS</th><th class="num">Amount</th><th>Status</th></tr></thead>
    <tbody id="sales"></tbody>
  </table>
  <p id="empty" class="muted" hidden>No sales match.</p>
  <button id="more" type="button" hidden>Load more</button>
</section>`;

const SALE = `
<section class="card">
  <p><a href="/dashboard">← Today's sales</a></p>
  <h1>Sale <span id="ref"></span> <span id="status" class="badge"></span></h1>
  <p id="message" role="status"></p>
  <div id="amounts" class="summary"></div>
  <div class="actions">
    <button id="recheck" type="button">Re-check with Mercado Pago</button>
    <button id="cancel" type="button" hidden>Cancel sale</button>
    <button id="refund" type="button" hidden>Refund…</button>
  </div>
  <p class="muted zone" data-zone></p>
</section>
<section class="card">
  <h2>Items</h2>
  <table><thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Total</th></tr></thead>
  <tbody id="items"></tbody></table>
  <h2>Payments</h2>
  <table><thead><tr><th>Payment</th><th>Status</th><th class="num">Amount</th></tr></thead>
  <tbody id="payments"></tbody></table>
  <p id="no-payments" class="muted" hidden>No payments yet.</p>
</section>
<section class="card">
  <h2>History</h2>
  <ol id="timeline" class="timeline"></ol>
</section>
<section class="card">
  <h2>Details</h2>
  <dl id="fields" class="fields"></dl>
</section>
<dialog id="confirm">
  <form method="dialog" id="confirm-form">
    <h2 id="confirm-title"></h2>
    <div id="confirm-body"></div>
    <div class="actions">
      <button value="cancel" type="submit" id="confirm-no">Go back</button>
      <button value="ok" type="submit" class="primary" id="confirm-yes">Confirm</button>
    </div>
  </form>
</dialog>`;

const STORES = `
<section class="card">
  <h1>Stores and POS</h1>
  <p id="message" role="status"></p>
  <div id="stores"></div>
  <p id="no-stores" class="muted" hidden>No stores registered here yet.</p>
  <p class="muted zone" data-zone></p>
</section>
<section class="card forms">
  <form id="new-store">
    <h2>New store</h2>
    <p class="muted">Registered at Mercado Pago too. Needs a full-access key.</p>
    <label>Id <input name="external_id" required pattern="[A-Za-z0-9]{1,60}" placeholder="SUC002"></label>
    <label>Name <input name="name" required placeholder="Sucursal Norte"></label>
    <label>Street <input name="street_name" required></label>
    <label>Number <input name="street_number" required></label>
    <label>City <input name="city_name" required></label>
    <label>State <input name="state_name" required></label>
    <label>Latitude <input name="latitude" required inputmode="decimal" placeholder="-34.56"></label>
    <label>Longitude <input name="longitude" required inputmode="decimal" placeholder="-58.45"></label>
    <button type="submit" class="primary">Create store</button>
  </form>
  <form id="new-pos">
    <h2>New POS</h2>
    <p class="muted">A till of a store, with its own QR. Needs a full-access key.</p>
    <label>Store <select name="store_id" id="pos-store" required></select></label>
    <label>Id <input name="external_id" required pattern="[A-Za-z0-9]{1,40}" placeholder="SUC001POS002"></label>
    <label>Name <input name="name" required placeholder="Caja 2"></label>
    <button type="submit" class="primary">Create POS</button>
  </form>
</section>`;

const BODIES: Record<DashboardPage, { title: string; body: string; script: string }> = {
  today: { title: "Today's sales", body: TODAY, script: "dashboard-today.js" },
  sale: { title: "Sale", body: SALE, script: "dashboard-sale.js" },
  stores: { title: "Stores and POS", body: STORES, script: "dashboard-stores.js" },
};

export function renderDashboard(page: DashboardPage): string {
  const { title, body, script } = BODIES[page];
  const link = (href: string, label: string, current: boolean) =>
    `<a href="${href}"${current ? ' aria-current="page"' : ""}>${label}</a>`;
  return `${head(`${title} — dashboard`)}
<body class="dashboard">
<header class="bar">
  <strong>Dashboard</strong>
  <nav>${link("/dashboard", "Today", page === "today")}
  ${link("/dashboard/stores", "Stores and POS", page === "stores")}</nav>
  <button id="signout" type="button" hidden>Sign out</button>
</header>
<main>${SIGN_IN}
<div id="app" hidden>${body}
</div>
</main>
<script type="module" src="/assets/${script}"></script>
</body>
</html>
`;
}

export function renderDisplay(posId: string): string {
  // a function, not a string, as the replacement: a "$&" in the id stays text
  const signIn = SIGN_IN.replace(
    "A staff or full-access key.",
    "This till's POS key (or a staff key).",
  ).replace(
    "<h1>Sign in</h1>",
    () =>
      `<h1>Sign in</h1>\n  <p>Customer display of till <strong>${escapeHtml(posId)}</strong></p>`,
  );
  return `${head("Customer display")}
<body class="display" data-pos="${escapeHtml(posId)}">
<main>${signIn}
<div id="screen" hidden>
  <section id="idle" class="state">
    <p id="store-name" class="huge"></p>
    <p id="pos-name" class="big muted"></p>
  </section>
  <section id="pending" class="state" hidden>
    <p class="big">To pay</p>
    <p id="amount" class="huge"></p>
    <img id="qr" alt="QR code to scan with the Mercado Pago app">
    <p class="big">Scan with the Mercado Pago app</p>
  </section>
  <section id="paid" class="state paid" hidden>
    <p class="huge">Paid — thank you</p>
    <p id="paid-amount" class="big"></p>
  </section>
  <section id="problem" class="state problem" role="alert" hidden>
    <p class="huge">Not ready</p>
    <p id="problem-text" class="big"></p>
    <button id="problem-signin" type="button" class="primary">Sign in again</button>
  </section>
</div>
<p id="connection" class="connection" role="status"></p>
<button id="signout" type="button" class="corner" hidden>Sign out</button>
</main>
<script type="module" src="/assets/display.js"></script>
</body>
</html>
`;
}
