/** Teams and projects: value per dollar and cost per outcome first, the spend trend second. Never a usage leaderboard. */
import { useMemo, useState } from 'react';
import { isoDay, useApi, usd } from '../api';
import { Chart, type Series } from '../chart';
import type { SpendAnswer } from '../types';
import { Card, Empty, Loaded, Page, Table } from '../ui';

interface RoiRow {
  group: string | null;
  cost_usd: number;
  outcomes: number;
  value_usd: number;
  value_per_dollar: number | null;
  cost_per_outcome_usd: number | null;
  low_value: boolean;
  flags: string[];
}

const COLORS = ['#1d4ed8', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9f1239'];

export function Teams({ now }: { now: number }) {
  const [by, setBy] = useState<'team' | 'project'>('team');
  // ROI sums the calls of its window per team, project, run and agent in the store (outcome attribution,
  // synthetic usage): a day of a million-call ledger reads in a fraction of a second; the API and CLI
  // take any window.
  const [roi] = useApi<{ data: RoiRow[] }>(`/admin/v1/roi?group_by=${by}&from=24h`);
  const from = isoDay(now - 29 * 86_400_000);
  const [multi] = useApi<SpendAnswer>(`/admin/v1/spend?group_by=${by},day&from=${from}`);
  // Until multi-dimension grouping exists, fall back to the total per day.
  const needTotal = multi.state === 'error' || multi.state === 'missing';
  const [total] = useApi<SpendAnswer>(needTotal ? `/admin/v1/spend?group_by=day&from=${from}` : null);

  const trend = useMemo(() => {
    const days: string[] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); isoDay(t) <= isoDay(now); t += 86_400_000) days.push(isoDay(t));
    // The API echoes group_by as given ("team,day"); older gateways answered a list.
    const grouped = multi.state === 'ok' ? multi.data.group_by : null;
    const byDay = grouped !== null && (Array.isArray(grouped) ? grouped : grouped.split(',')).includes('day');
    const rows = multi.state === 'ok' && byDay ? multi.data.data : null;
    if (rows) {
      const groups = new Map<string, Map<string, number>>();
      for (const r of rows) {
        const g = String(r[by] ?? '(none)');
        if (!groups.has(g)) groups.set(g, new Map());
        groups.get(g)!.set(String(r['day']), r.cost_usd);
      }
      const series: Series[] = [...groups].slice(0, 8).map(([g, m], i) => ({ label: g, values: days.map((d) => m.get(d) ?? 0), color: COLORS[i % COLORS.length]! }));
      return { days, series };
    }
    if (total.state === 'ok') {
      const m = new Map(total.data.data.map((r) => [String(r['day']), r.cost_usd]));
      return { days, series: [{ label: 'All spend', values: days.map((d) => m.get(d) ?? 0), color: COLORS[0]! }] };
    }
    return null;
  }, [multi, total, by, from, now]);

  return (
    <Page title="Teams & projects" ready={roi.state !== 'loading' && (trend !== null || multi.state === 'forbidden')}>
      <div className="toolbar">
        <label>
          Group by{' '}
          <select value={by} onChange={(e) => setBy(e.target.value as 'team' | 'project')}>
            <option value="team">team</option>
            <option value="project">project</option>
          </select>
        </label>
      </div>
      <Card title="Value for money (last 24 hours)" wide>
        <Loaded load={roi} missing={<Empty title="Value per dollar is not available on this gateway yet" testId="roi-missing">Once outcomes are reported, this ranks {by}s by value per dollar and cost per outcome.</Empty>}>
          {(d) =>
            d.data.length === 0 ? (
              <Empty title="No outcomes reported yet">Report outcomes (with their value) for your runs; this page then ranks {by}s by value per dollar.</Empty>
            ) : (
              <Table
                testId="roi"
                head={[by === 'team' ? 'Team' : 'Project', 'Value per $', 'Cost per outcome', 'Outcomes', 'Value', 'Cost', 'Notes']}
                rows={d.data.map((r) => [
                  <strong>{r.group ?? '(none)'}</strong>,
                  r.value_per_dollar === null ? '–' : `${r.value_per_dollar.toFixed(2)}×`,
                  usd(r.cost_per_outcome_usd),
                  r.outcomes,
                  usd(r.value_usd),
                  usd(r.cost_usd),
                  r.low_value || r.flags.length ? <span className="pill over">{[r.low_value ? 'low value' : '', ...r.flags].filter(Boolean).join(', ')}</span> : '',
                ])}
              />
            )
          }
        </Loaded>
      </Card>
      <Card title="Spend trend (30 days)" wide>
        {trend && trend.series.some((s) => s.values.some((v) => (v ?? 0) > 0)) ? (
          <Chart name="trend" days={trend.days} series={trend.series} height={220} />
        ) : trend ? (
          <Empty title="No spend in the last 30 days" />
        ) : multi.state === 'forbidden' ? (
          <Empty title="Not available with this sign-in" testId="forbidden" />
        ) : (
          <div className="muted">Loading…</div>
        )}
      </Card>
    </Page>
  );
}
