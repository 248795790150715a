// GET /orders/:ref over paid sales seeded straight into the database.
import type { HttpFigure } from "../baseline.ts";
import { auth, pad, who } from "../driver.ts";
import { measure } from "../load.ts";
import type { Service } from "../service.ts";
import { log } from "../session.ts";
import { CONNECTIONS, DURATION_S, ORDERS, WARMUP_S } from "../settings.ts";

/** 10 000 paid sales with distinct references, written in one statement. */
export async function seedOrders(s: Service): Promise<string[]> {
  await s.db.query(
    `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                        total_cents, status, order_state, merchant_order_id, merchant_order_status,
                        paid_cents, payments, request_hash, expires_at, paid_at, next_check_at)
     SELECT 'seed-' || lpad(g::text, 6, '0'), 'BENCH', 'SEEDPOS' || (g % 500), 'Sale ' || g,
            'Sale ' || g,
            '[{"title":"Coffee","quantity":2,"unitMeasure":"unit","unitPriceCents":250}]'::jsonb,
            500, 'paid', 'withdrawn', 20000000000 + g, 'closed', 500,
            jsonb_build_array(jsonb_build_object('id', 30000000000 + g, 'status', 'approved',
                                                 'amount', 5)),
            md5(g::text), now() + interval '10 minutes', now(), now() + interval '10 minutes'
       FROM generate_series(1, $1::int) AS g`,
    [ORDERS],
  );
  await s.db.query("ANALYZE sales");
  return Array.from({ length: ORDERS }, (_, i) => `seed-${pad(i + 1, 6)}`);
}

/** `refs`: sales already seeded (the floor reads the service's), else seeded here. */
export async function phaseOrders(s: Service, seeded?: string[]): Promise<HttpFigure> {
  const refs = seeded ?? (await seedOrders(s));
  log(`${who(s)}: GET /orders/:ref over ${refs.length} seeded sales`);
  let i = 0;
  const figures = await measure({
    url: s.url,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    headers: auth,
    cpuPid: s.child.pid,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({ ...req, path: `/orders/${refs[i++ % refs.length]}` }),
      },
    ],
  });
  return { name: "GET /orders/:ref", against: "get", ...figures };
}
