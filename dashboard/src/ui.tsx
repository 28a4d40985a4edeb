/** Small building blocks shared by the pages: cards, empty states, tables, load states. */
import type { ReactNode } from 'react';
import type { Load } from './api';

export function Card({ title, children, wide }: { title: string; children: ReactNode; wide?: boolean }) {
  return (
    <section className={wide ? 'card wide' : 'card'}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function Stat({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

/** What to do next when there is nothing to show. */
export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId ?? 'empty'}>
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** Renders a load state; `missing` means the gateway has no such endpoint (an older or partial build). */
export function Loaded<T>({ load, missing, children }: { load: Load<T>; missing: ReactNode; children: (data: T) => ReactNode }) {
  if (load.state === 'loading') return <div className="muted">Loading…</div>;
  if (load.state === 'missing') return <>{missing}</>;
  if (load.state === 'forbidden') return <Empty title="Not available with this sign-in" testId="forbidden">{load.message}</Empty>;
  if (load.state === 'error') return <div className="error" role="alert">{load.message}</div>;
  return <>{children(load.data)}</>;
}

/** `fit`: cells may wrap, so a wide table fits its card instead of scrolling its last columns out of view. */
export function Table({ head, rows, testId, fit }: { head: string[]; rows: ReactNode[][]; testId?: string; fit?: boolean }) {
  return (
    <div className="table-wrap">
      <table data-testid={testId} className={fit ? 'fit' : undefined}>
        <thead>
          <tr>{head.map((h) => <th key={h}>{h}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Bar({ value }: { value: number | null | undefined }) {
  const v = Math.max(0, Math.min(1, value ?? 0));
  return (
    <span className={`bar ${(value ?? 0) >= 1 ? 'over' : (value ?? 0) >= 0.8 ? 'warn' : ''}`} title={value === null || value === undefined ? '' : `${Math.round(value * 100)}%`}>
      <span style={{ width: `${v * 100}%` }} />
    </span>
  );
}

/** Marks a page as painted with its data, for the browser tests and the render benchmark. */
export function Page({ title, ready, children }: { title: string; ready: boolean; children: ReactNode }) {
  return (
    <div className="page" data-page={title} data-ready={ready ? 'true' : 'false'}>
      <h1>{title}</h1>
      {children}
    </div>
  );
}
