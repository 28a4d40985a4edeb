/**
 * A Prometheus histogram whose observations are plain array increments on a series object the
 * caller keeps (prom-client's own observe() builds a label object and a hash string every time),
 * exported through prom-client's registry by overriding get() at scrape time.
 */
import { Histogram, type Registry } from 'prom-client';

type Exported = Awaited<ReturnType<Histogram<string>['get']>>;

export class HistogramSeries {
  /** Per bucket, not cumulative; the last slot counts values above every bound. */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += v;
  }
}

export class BucketHistogram extends Histogram<string> {
  private readonly all: HistogramSeries[] = [];

  constructor(
    private readonly o: { name: string; help: string; labelNames: string[]; buckets: number[]; registers: Registry[] },
  ) {
    super(o);
  }

  /** A new series for these labels; the caller caches it (one per label combination). */
  series(labels: Record<string, string>): HistogramSeries {
    const s = new HistogramSeries(this.o.buckets, labels);
    this.all.push(s);
    return s;
  }

  override get(): Promise<Exported> {
    return this.getForPromString();
  }

  /** What the registry formats (it prefers this method to get() when a metric has it, as Histogram does). */
  async getForPromString(): Promise<Exported> {
    const { name, help, buckets } = this.o;
    const values: Exported['values'] = [];
    for (const s of this.all) {
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: acc });
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' } as unknown as Exported;
  }
}
