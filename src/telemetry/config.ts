/**
 * Settings for metrics and traces (`metrics:` and `otel:` in tollgate.yaml).
 *   metrics: { enabled: true, path: /metrics, bearer_token: ${METRICS_TOKEN} }
 *   otel:    { endpoint: http://collector:4318, headers: {...}, service_name: tollgate }
 */
import { z } from 'zod';

export const metricsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'a path such as /metrics')
      .refine((p) => !p.startsWith('/v1/') && !p.startsWith('/admin/') && p !== '/healthz', 'the metrics path may not shadow /v1/, /admin/ or /healthz')
      .default('/metrics'),
    /** When set, scrapes must send `Authorization: Bearer <token>` (Prometheus `authorization:` / `bearer_token`). */
    bearer_token: z.string().min(1).optional(),
  })
  .strict();

export const otelConfigSchema = z
  .object({
    /**
     * The OTLP/HTTP endpoint. A base URL (as in OTEL_EXPORTER_OTLP_ENDPOINT) gets `/v1/traces`
     * appended; a URL already ending in `/v1/traces` is used as it is.
     */
    endpoint: z.string().url(),
    /** Sent with every export (an API key for a hosted backend, say). */
    headers: z.record(z.string(), z.string()).default({}),
    service_name: z.string().min(1).default('tollgate'),
  })
  .strict();

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;
export type OtelConfig = z.infer<typeof otelConfigSchema>;

/** Where spans are POSTed. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}
