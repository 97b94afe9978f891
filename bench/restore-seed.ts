// The benchmark's SaaS: one big tenant schema (5 related tables, indexes, foreign keys) and
// small tenants beside it (the demo schema).
import { Client } from 'pg';

/** Share of the big tenant's rows per table (sums to 1). */
const SHARES = { customers: 0.1, products: 0.02, orders: 0.25, order_items: 0.5, payments: 0.13 };

export function bigTenantSql(schema: string, appRole: string, rows: number): string {
  const n = Object.fromEntries(
    Object.entries(SHARES).map(([t, share]) => [t, Math.max(10, Math.round(rows * share))]),
  ) as Record<keyof typeof SHARES, number>;
  // Two items per order: order_items' share is exactly twice the orders'.
  const items = n.order_items;
  const orders = Math.ceil(items / 2);
  return `
CREATE SCHEMA ${schema};
SET search_path TO ${schema};
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  country text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price numeric(10, 2) NOT NULL CHECK (price >= 0),
  tags text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status text NOT NULL,
  total numeric(12, 2) NOT NULL,
  placed_at timestamptz NOT NULL,
  note text
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_placed_idx ON orders (placed_at);
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders (id),
  line integer NOT NULL,
  product_id integer NOT NULL REFERENCES products (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  price numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
CREATE INDEX order_items_product_idx ON order_items (product_id);
CREATE TABLE payments (
  id uuid PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id),
  amount numeric(12, 2) NOT NULL,
  method text NOT NULL,
  paid_at timestamptz NOT NULL,
  meta jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX payments_order_idx ON payments (order_id);
INSERT INTO customers (email, name, country, created_at)
  SELECT 'c' || g || '@' || substr(md5(g::text), 1, 8) || '.example', 'Customer ' || md5(g::text),
         (ARRAY['ES', 'FR', 'DE', 'US', NULL])[1 + g % 5], '2025-01-01'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, ${n.customers}) g;
INSERT INTO products (sku, name, price, tags)
  SELECT 'SKU-' || g, 'Product ' || substr(md5('p' || g), 1, 12), (g % 9000) / 7.0 + 1,
         ARRAY['t' || g % 7, 't' || g % 11]
  FROM generate_series(1, ${n.products}) g;
INSERT INTO orders (customer_id, status, total, placed_at, note)
  SELECT 1 + (g * 7919) % ${n.customers}, (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + g % 4],
         (g % 100000) / 3.0, '2025-06-01'::timestamptz + g * interval '13 seconds',
         CASE WHEN g % 5 = 0 THEN 'note ' || md5(g::text) END
  FROM generate_series(1, ${orders}) g;
INSERT INTO order_items (order_id, line, product_id, quantity, price)
  SELECT 1 + (g - 1) / 2, 1 + (g - 1) % 2, 1 + (g * 31) % ${n.products}, 1 + g % 5, (g % 5000) / 9.0
  FROM generate_series(1, ${items}) g;
INSERT INTO payments (id, order_id, amount, method, paid_at, meta)
  SELECT md5('pay' || g)::uuid, 1 + (g * 13) % ${orders}, (g % 70000) / 3.0,
         (ARRAY['card', 'sepa', 'paypal'])[1 + g % 3], '2025-06-02'::timestamptz + g * interval '11 seconds',
         jsonb_build_object('attempt', 1 + g % 3, 'ref', substr(md5('r' || g), 1, 10))
  FROM generate_series(1, ${n.payments}) g;
GRANT USAGE ON SCHEMA ${schema} TO ${appRole};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${appRole};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${appRole};
ANALYZE customers, products, orders, order_items, payments;`;
}

export async function run(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function rowsIn(url: string, schema: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(
      `SELECT sum(n_live_tup)::text AS n FROM pg_stat_user_tables WHERE schemaname = $1`,
      [schema],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

/** count + md5 over every table's rows in text order: an independent "same data" check. */
export async function fingerprint(url: string, schema: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: tables } = await c.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY 1`,
      [schema],
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const { rows } = await c.query<{ f: string }>(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') AS f
         FROM "${schema}"."${name}" t`,
      );
      parts.push(`${name}=${rows[0]?.f ?? ''}`);
    }
    return parts.join(' ');
  } finally {
    await c.end();
  }
}
