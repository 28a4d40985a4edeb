/** Models and routes: the price book this gateway applies and its route rules, in evaluation order. */
import { useApi } from '../api';
import { Card, Empty, Loaded, Page, Table } from '../ui';

type Rate = number | { base: number; tiers: { above_tokens: number; per_mtok: number }[] };
interface Model {
  model: string;
  provider: string;
  upstream_model: string;
  tier: number | null;
  tools: boolean | null;
  vision: boolean | null;
  context_window: number | null;
  price: null | { source: string; input_per_mtok: Rate; cached_input_per_mtok: Rate; output_per_mtok: Rate };
}

function rate(r: Rate | undefined): string {
  if (r === undefined) return '–';
  if (typeof r === 'number') return `$${r}`;
  return `$${r.base}` + r.tiers.map((t) => ` / $${t.per_mtok} over ${t.above_tokens.toLocaleString()}`).join('');
}

function describe(r: Record<string, unknown>): string {
  const { index: _i, name: _n, match, ...action } = r;
  const m = Object.entries((match as Record<string, unknown>) ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${m ? `when ${m}` : 'always'} → ${Object.entries(action).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}`;
}

export function Models() {
  const [models] = useApi<{ data: Model[]; routes: Record<string, unknown>[] }>('/admin/v1/models');
  return (
    <Page title="Models & routes" ready={models.state !== 'loading'}>
      <Loaded load={models} missing={<Empty title="The price book is not available on this gateway" />}>
        {(d) => (
          <>
            <Card title="Price book (USD per million tokens)" wide>
              {d.data.length ? (
                <Table
                  testId="models"
                  head={['Model', 'Provider', 'Input', 'Cached input', 'Output', 'Price from', 'Tier']}
                  rows={d.data.map((m) => [<strong>{m.model}</strong>, m.provider, rate(m.price?.input_per_mtok), rate(m.price?.cached_input_per_mtok), rate(m.price?.output_per_mtok), m.price?.source ?? <span className="pill over">unpriced</span>, m.tier ?? '–'])}
                />
              ) : (
                <Empty title="No models configured">Add models under `models:` in the config.</Empty>
              )}
            </Card>
            <Card title="Route rules (first match wins)" wide>
              {d.routes.length ? (
                <ol className="routes" data-testid="routes">
                  {d.routes.map((r) => (
                    <li key={String(r['index'])}>
                      <strong>{String(r['name'] ?? `rule ${String(r['index'])}`)}</strong>: {describe(r)}
                    </li>
                  ))}
                </ol>
              ) : (
                <Empty title="No route rules">Every call is served by the model it asks for. Add `routes:` to the config for cheapest-model routing, fallbacks or the cache.</Empty>
              )}
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}
