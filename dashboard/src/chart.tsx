/**
 * A uPlot time-series chart. Canvas pixels cannot be read back, so the plotted series are also kept in
 * the figure's data-series attribute and in a table under a <details> (screen readers, tests).
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: boolean;
  /** Drawn as the band's edge only (no line of its own in the legend). */
  faint?: boolean;
}

export interface ChartProps {
  name: string;
  /** Days as YYYY-MM-DD. */
  days: string[];
  series: Series[];
  /** Fill between two series, by index in `series` (upper, lower). */
  band?: [number, number];
  /** A horizontal line, e.g. the budget limit. */
  limit?: { label: string; value: number };
  height?: number;
}

function secondsOf(d: string): number {
  return Date.parse(`${d}T00:00:00Z`) / 1000;
}

export function Chart({ name, days, series, band, limit, height = 260 }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || days.length === 0) return;
    const all: Series[] = limit ? [...series, { label: limit.label, values: days.map(() => limit.value), color: '#b91c1c', dash: true }] : series;
    const data = [days.map(secondsOf), ...all.map((s) => s.values)] as uPlot.AlignedData;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => `$${t >= 1000 ? `${(t / 1000).toFixed(1)}k` : t.toFixed(t < 10 ? 2 : 0)}`), size: 60 }],
      series: [{}, ...all.map((s) => ({ label: s.label, stroke: s.color, width: s.faint ? 1 : 2, dash: s.dash ? [6, 4] : undefined, spanGaps: false, points: { show: days.length < 3 } }))],
      bands: band ? [{ series: [band[0] + 1, band[1] + 1], fill: 'rgba(37, 99, 235, 0.12)' }] : undefined,
      legend: { live: false },
    };
    const u = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [days, series, band, limit, height]);
  const exposed = { days, series: series.map((s) => ({ label: s.label, values: s.values })), limit: limit?.value ?? null };
  return (
    <figure className="chart" data-chart={name} data-series={JSON.stringify(exposed)}>
      <div ref={ref} />
      <details>
        <summary>Data table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Day</th>
                {series.map((s) => <th key={s.label}>{s.label}</th>)}
              </tr>
            </thead>
            <tbody>
              {days.map((d, i) => (
                <tr key={d}>
                  <td>{d}</td>
                  {series.map((s) => <td key={s.label}>{s.values[i] === null || s.values[i] === undefined ? '' : s.values[i]!.toFixed(4)}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
