// The style of the simulator's page (page.ts): a phone-sized card beside the merchant orders,
// a table that turns into stacked rows on a narrow screen.

export const PAGE_STYLE = `
  :root { --ink:#1d2433; --muted:#667085; --line:#e4e7ec; --bg:#f5f7fa; --brand:#009ee3;
          --ok:#12805c; --warn:#b54708; --bad:#b42318; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color:var(--ink); background:var(--bg); }
  header { background:var(--brand); color:#fff; padding:12px 20px; display:flex;
           flex-wrap:wrap; align-items:baseline; gap:4px 12px; }
  header h1 { font-size:18px; margin:0; }
  header span { opacity:.85; }
  main { display:flex; flex-wrap:wrap; gap:20px; padding:20px; align-items:flex-start; }
  main > * { min-width:0; }
  .card { background:#fff; border:1px solid var(--line); border-radius:12px; padding:16px; }
  .phone { width:100%; max-width:360px; }
  .mos { flex:1 1 420px; overflow:hidden; }
  .qr-note { font-size:12px; color:var(--warn); background:#fef0c7; border-radius:8px;
             padding:6px 8px; margin:0 0 10px; }
  #sale-form { display:grid; grid-template-columns:minmax(0, 1fr) minmax(0, 1fr); gap:8px;
               margin-top:10px; border-top:1px solid var(--line); padding-top:10px; }
  #sale-form h2 { grid-column:1 / -1; margin:0; }
  #sale-form label { flex-direction:column; align-items:stretch; gap:2px; font-size:12px; }
  #sale-form input { padding:6px; border:1px solid var(--line); border-radius:6px; font:inherit;
                     min-width:0; width:100%; }
  #sale-form button { grid-column:1 / -1; }
  h2 { font-size:15px; margin:0 0 10px; }
  label { display:flex; gap:8px; align-items:center; font-weight:600; }
  select { flex:1; padding:6px; border:1px solid var(--line); border-radius:6px; font:inherit; }
  .qr { display:flex; justify-content:center; margin:14px 0; min-height:60px; }
  .qr img { width:200px; height:200px; image-rendering:pixelated; }
  .muted { color:var(--muted); }
  .order { border-top:1px solid var(--line); padding-top:10px; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:5px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { font-size:12px; color:var(--muted); font-weight:600; }
  td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
  .total { display:flex; justify-content:space-between; font-weight:700; font-size:16px;
           margin-top:8px; }
  .actions { display:grid; grid-template-columns:repeat(4, 1fr); gap:8px; margin-top:14px; }
  button { padding:9px 4px; border:0; border-radius:8px; font:inherit; font-weight:600;
           cursor:pointer; background:#eef4ff; color:var(--ink); }
  button.primary { background:var(--brand); color:#fff; }
  button:disabled { opacity:.45; cursor:not-allowed; }
  #msg { min-height:20px; margin:10px 0 0; }
  #key-form { border-top:1px solid var(--line); margin-top:10px; padding-top:10px; }
  #key-form input { flex:1; padding:6px; border:1px solid var(--line); border-radius:6px;
                    font:inherit; }
  #msg.error { color:var(--bad); }
  .badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px;
           font-weight:600; background:#eef2f6; }
  .badge.closed, .badge.paid, .badge.approved { background:#dcfae6; color:var(--ok); }
  .badge.opened, .badge.partially_paid, .badge.payment_in_process, .badge.pending,
  .badge.in_process { background:#fef0c7; color:var(--warn); }
  .badge.expired, .badge.rejected, .badge.reverted, .badge.refunded,
  .badge.partially_reverted { background:#fee4e2; color:var(--bad); }
  .badge { white-space:nowrap; }
  .scroll { overflow-x:auto; }
  .mos td, .mos th { font-size:13px; }
  @media (max-width: 640px) {
    main { padding:8px; gap:10px; }
    .phone { max-width:none; }
    .mos table, .mos tbody, .mos tr, .mos td { display:block; }
    .mos thead { display:none; }
    .mos tr { border-bottom:1px solid var(--line); padding:6px 0; }
    .mos td { border:0; padding:2px 4px; display:flex; justify-content:space-between; gap:8px;
              white-space:normal; }
    .mos td::before { content:attr(data-label); color:var(--muted); font-size:12px;
                      font-weight:600; }
  }
`;
