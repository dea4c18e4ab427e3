import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'

/** The Prometheus registry of one app, with the HTTP instruments every request feeds. */
export interface HttpMetrics {
  /** Register further metrics here (never on prom-client's global registry). */
  readonly registry: Registry
  readonly requests: Counter<'method' | 'route' | 'status_code'>
  readonly duration: Histogram<'method' | 'route' | 'status_code'>
}

/**
 * A fresh registry per app, so several apps in one process (tests, the simulator) never share
 * or double-register metrics. `route` is the route's URL pattern, or 'unmatched' for 404s, so
 * scanners probing random paths cannot blow up the label cardinality.
 */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'mamori_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'mamori_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return { registry, requests, duration }
}
