/** Overview: this period's spend against budget, the burn chart with its forecast, today, biggest movers. */
import { useMemo } from 'react';
import { isoDay, useApi, usd, day, pct } from '../api';
import { Chart, type Series } from '../chart';
import type { Budget, Forecast, SpendAnswer } from '../types';
import { Card, Empty, Page, Stat, Table } from '../ui';

const DAY = 86_400_000;

function monthStart(now: number): string {
  return `${isoDay(now).slice(0, 7)}-01`;
}

/** Every day from `from` to `to` inclusive, as YYYY-MM-DD. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length < 400; t += DAY) out.push(isoDay(t));
  return out;
}

/** "Spent this week", "Spent today", "Spent in all": the headline budget's own period (a month without one). */
function spentLabel(period: string | undefined): string {
  if (period === 'day') return 'Spent today';
  if (period === 'none') return 'Spent in all';
  return `Spent this ${period ?? 'month'}`;
}

/** The forecast to headline: the org's, else the one closest to its limit. */
function headline(fs: Forecast[]): Forecast | undefined {
  return fs.find((f) => f.scope === 'org') ?? [...fs].sort((a, b) => b.projected_usd / (b.limit_usd || 1) - a.projected_usd / (a.limit_usd || 1))[0];
}

function burnFromForecast(f: Forecast): { days: string[]; series: Series[] } {
  const end = isoDay(Date.parse(f.period_end) - 1);
  const days = daysBetween(f.period_start.slice(0, 10), end);
  const hist = new Map(f.history.map((h) => [h.date, h.usd]));
  const proj = new Map(f.projection.map((p) => [p.date, p]));
  let cum = 0;
  const lastHistory = f.history.length ? f.history[f.history.length - 1]!.date : '';
  const actual = days.map((d) => {
    if (d > lastHistory) return null;
    cum += hist.get(d) ?? 0;
    return Math.round(cum * 1e6) / 1e6;
  });
  const pick = (k: 'usd' | 'low_usd' | 'high_usd') => days.map((d) => proj.get(d)?.[k] ?? null);
  return {
    days,
    series: [
      { label: 'Spent', values: actual, color: '#1d4ed8' },
      { label: 'Forecast', values: pick('usd'), color: '#2563eb', dash: true },
      { label: 'High', values: pick('high_usd'), color: 'rgba(37,99,235,0.35)', faint: true },
      { label: 'Low', values: pick('low_usd'), color: 'rgba(37,99,235,0.35)', faint: true },
    ],
  };
}

export function Overview({ now }: { now: number }) {
  const from = monthStart(now);
  const [forecasts] = useApi<{ data: Forecast[] }>('/admin/v1/forecasts');
  const [budgets] = useApi<{ data: Budget[] }>('/admin/v1/budgets');
  const [daily] = useApi<SpendAnswer>(`/admin/v1/spend?group_by=day&from=${from}`);
  const [recent] = useApi<SpendAnswer>(`/admin/v1/spend?group_by=team&from=${isoDay(now - 6 * DAY)}`);
  const [before] = useApi<SpendAnswer>(`/admin/v1/spend?group_by=team&from=${isoDay(now - 13 * DAY)}&to=${isoDay(now - 6 * DAY)}`);

  const f = forecasts.state === 'ok' ? headline(forecasts.data.data) : undefined;
  const budget = budgets.state === 'ok' ? (budgets.data.data.find((b) => b.scope === 'org') ?? budgets.data.data.find((b) => b.spent_usd !== undefined)) : undefined;
  const today = isoDay(now);
  const dailyRows = daily.state === 'ok' ? daily.data.data : [];
  const periodSpend = dailyRows.reduce((s, r) => s + r.cost_usd, 0);
  const todaySpend = dailyRows.find((r) => r['day'] === today)?.cost_usd ?? 0;

  const burn = useMemo(() => {
    if (f) return burnFromForecast(f);
    const days = daysBetween(from, today);
    const by = new Map(dailyRows.map((r) => [String(r['day']), r.cost_usd]));
    let cum = 0;
    return { days, series: [{ label: 'Spent', values: days.map((d) => (cum = Math.round((cum + (by.get(d) ?? 0)) * 1e6) / 1e6)), color: '#1d4ed8' }] as Series[] };
  }, [f, from, today, dailyRows]);

  const movers = useMemo(() => {
    if (recent.state !== 'ok' || before.state !== 'ok') return [];
    const prev = new Map(before.data.data.map((r) => [String(r['team']), r.cost_usd]));
    const teams = new Set([...prev.keys(), ...recent.data.data.map((r) => String(r['team']))]);
    const cur = new Map(recent.data.data.map((r) => [String(r['team']), r.cost_usd]));
    return [...teams].map((t) => ({ team: t, now: cur.get(t) ?? 0, before: prev.get(t) ?? 0 })).sort((a, b) => Math.abs(b.now - b.before) - Math.abs(a.now - a.before)).slice(0, 5);
  }, [recent, before]);

  const limitUsd = f?.limit_usd ?? budget?.limit_usd;
  // The headline figure is the headlined budget's spend over its own period; this month's without a budget.
  const period = f?.period ?? (budget?.spent_usd !== undefined ? budget.period : undefined);
  const spent = f?.spent_usd ?? (period !== undefined ? budget?.spent_usd : undefined) ?? periodSpend;
  const ready = [daily, forecasts, budgets, recent, before].every((l) => l.state !== 'loading');
  return (
    <Page title="Overview" ready={ready}>
      <div className="stats">
        <Stat testId="period-spend" label={spentLabel(period)} value={usd(spent)} hint={limitUsd !== undefined ? `of ${usd(limitUsd)} (${f?.scope ?? budget?.scope})` : 'no budget set'} />
        <Stat testId="today-spend" label="Today" value={usd(todaySpend)} hint={f?.pacing ? `allowance ${usd(f.pacing.allowance_today_usd)} · ${f.pacing.state}` : undefined} />
        <Stat testId="projected" label="Projected at period end" value={f ? usd(f.projected_usd) : '–'} hint={f ? `${usd(f.projected_low_usd)} – ${usd(f.projected_high_usd)}` : 'forecasts unavailable'} />
        <Stat testId="exhausts" label="Budget runs out" value={f ? (f.exhausts_at ? day(f.exhausts_at) : 'not this period') : '–'} hint={budget?.utilisation !== undefined ? `${pct(budget.utilisation)} used now` : undefined} />
      </div>
      <Card title={f ? `Burn: ${f.scope} (${f.period})` : 'Burn this month'} wide>
        {f ? <p className="sentence" data-testid="forecast-sentence">{f.sentence}</p> : null}
        {forecasts.state === 'missing' || (forecasts.state === 'ok' && !f) ? (
          <Empty title="No forecast yet" testId="forecast-empty">
            {forecasts.state === 'missing' ? 'This gateway does not serve forecasts yet; the chart shows actual spend only.' : 'Set a budget (Budgets page) and the forecast, its band and the exhaustion date appear here.'}
          </Empty>
        ) : null}
        {burn.days.length && (f || dailyRows.length) ? (
          <Chart name="burn" days={burn.days} series={burn.series} band={f ? [2, 3] : undefined} limit={limitUsd !== undefined ? { label: 'Budget', value: limitUsd } : undefined} />
        ) : daily.state === 'ok' ? (
          <Empty title="No spend this month yet">Point a client at the gateway with a Tollgate key (Keys page) and calls show up here within seconds.</Empty>
        ) : null}
      </Card>
      <Card title="Biggest movers (7 days vs the 7 before)">
        {movers.length ? (
          <Table testId="movers" head={['Team', 'Last 7 days', 'Before', 'Change']} rows={movers.map((m) => [m.team, usd(m.now), usd(m.before), <span className={m.now >= m.before ? 'up' : 'down'}>{m.now >= m.before ? '▲ ' : '▼ '}{usd(Math.abs(m.now - m.before))}</span>])} />
        ) : (
          <Empty title="Nothing moved">No spend in the last two weeks.</Empty>
        )}
      </Card>
    </Page>
  );
}
