/** Waste and savings: what loops, duplicates, failures and oversized models cost; what routing and the cache saved. */
import { useApi, usd } from '../api';
import { Card, Empty, Loaded, Page, Stat, Table } from '../ui';

interface Waste {
  total_usd: number;
  by_category: { category: string; calls: number; cost_usd: number; avoidable_usd: number }[];
  data: { team: string; agent: string | null; category: string; calls: number; cost_usd: number; avoidable_usd: number }[];
}
interface Savings {
  total_saved_usd: number;
  data: { group: string | null; reason: string; calls: number; cost_usd: number; saved_usd: number }[];
}

const CATEGORY: Record<string, string> = {
  guard_stopped: 'Runs the guard stopped (loops)',
  duplicate: 'Duplicate requests',
  failed: 'Failed calls',
  retried: 'Retries',
  oversized_model: 'Oversized model for the task',
};

export function WastePage() {
  // Waste reads the calls of its window a rule may apply to, in order (duplicates, retries): a day of
  // calls reads in well under a second on a million-call ledger, a month may not. Savings come from a rollup.
  const [waste] = useApi<Waste>('/admin/v1/waste?from=24h');
  const [savings] = useApi<Savings>('/admin/v1/savings?group_by=team&from=30d');
  return (
    <Page title="Waste & savings" ready={waste.state !== 'loading' && savings.state !== 'loading'}>
      <div className="stats">
        <Stat testId="waste-total" label="Avoidable spend (last 24 hours)" value={waste.state === 'ok' ? usd(waste.data.total_usd) : '–'} />
        <Stat testId="saved-total" label="Saved by routing and cache (30 days)" value={savings.state === 'ok' ? usd(savings.data.total_saved_usd) : '–'} />
      </div>
      <Card title="Where money was wasted" wide>
        <Loaded load={waste} missing={<Empty title="Waste analysis is not available on this gateway yet" testId="waste-missing">It will show what loops, duplicates, failures and oversized models cost.</Empty>}>
          {(d) =>
            d.by_category.length === 0 ? (
              <Empty title="No waste found in the last 24 hours">Loops stopped by the guard, duplicates and failed calls would show here.</Empty>
            ) : (
              <>
                <Table testId="waste" head={['What', 'Calls', 'Cost', 'Avoidable']} rows={d.by_category.map((c) => [CATEGORY[c.category] ?? c.category, c.calls, usd(c.cost_usd), usd(c.avoidable_usd)])} />
                <h3>By team and agent</h3>
                <Table head={['Team', 'Agent', 'What', 'Calls', 'Avoidable']} rows={d.data.slice(0, 50).map((r) => [r.team, r.agent ?? '–', CATEGORY[r.category] ?? r.category, r.calls, usd(r.avoidable_usd)])} />
              </>
            )
          }
        </Loaded>
      </Card>
      <Card title="What routing, downgrades and the cache saved" wide>
        <Loaded load={savings} missing={<Empty title="Savings are not available on this gateway" />}>
          {(d) =>
            d.data.length === 0 ? (
              <Empty title="Nothing saved yet">Add a `routes:` rule (cheapest model, downgrade or cache) to the config; what it saves against what clients asked for shows here.</Empty>
            ) : (
              <Table testId="savings" head={['Team', 'How', 'Calls', 'Paid', 'Saved']} rows={d.data.map((r) => [r.group ?? '(none)', r.reason, r.calls, usd(r.cost_usd), usd(r.saved_usd)])} />
            )
          }
        </Loaded>
      </Card>
    </Page>
  );
}
