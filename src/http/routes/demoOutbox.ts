import { listOutbox } from '../../notify/index.js'
import type { Store } from '../../store/index.js'
import type { RouteModule } from '../app.js'

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)

/**
 * The demo's stand-in for a mail client: every message the outbox holds, newest first. Only
 * registered when `demo.showOutbox` is on (`mamori demo` turns it on); it shows every customer's
 * codes, so it must never run in production.
 */
export function demoOutboxRoutes(store: Store): RouteModule {
  return (app) => {
    app.get('/demo/outbox', { config: { operation: 'public' }, schema: { hide: true } }, async (_request, reply) => {
      const rows = await listOutbox(store.db, undefined, 30)
      const items = rows
        .map(
          (m) =>
            `<div class="box"><p class="muted">${escape(new Date(m.createdAt).toISOString())} — ${escape(m.channel)} — ${escape(m.to)}</p><h2>${escape(m.subject)}</h2><pre>${escape(m.body)}</pre></div>`,
        )
        .join('\n')
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'self'; style-src 'self'; frame-ancestors 'none'")
        .send(
          `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Demo outbox</title><link rel="stylesheet" href="/assets/style.css"></head><body><h1>Demo outbox (デモ用メール受信箱)</h1><p class="muted">The embedded demo sends no real e-mail; this page shows what would have been sent. Reload to refresh.</p>${items || '<p>empty</p>'}</body></html>`,
        )
    })
  }
}
