import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { RouteModule } from '../app.js'

const WEB = join(import.meta.dirname, '..', '..', '..', 'web')

/**
 * Content Security Policy for the pages: scripts and styles from this origin only (no inline
 * script, so an injected tag cannot run), no framing (clickjacking of the approve button).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/**
 * The minimal browser pages (login, account, phone app) and their assets, read once at start-up.
 * The WebAuthn calls in the pages go through @simplewebauthn/browser, served from node_modules.
 */
export const pageRoutes: RouteModule = (app) => {
  const require = createRequire(import.meta.url)
  const browserBundle = join(require.resolve('@simplewebauthn/browser').replace(/[\\/]script[\\/]index\.js$/, ''), 'dist', 'bundle', 'index.umd.min.js')
  const files: Record<string, { body: string; type: string }> = {
    '/login': { body: readFileSync(join(WEB, 'login.html'), 'utf8'), type: 'text/html; charset=utf-8' },
    '/account': { body: readFileSync(join(WEB, 'account.html'), 'utf8'), type: 'text/html; charset=utf-8' },
    '/app': { body: readFileSync(join(WEB, 'app.html'), 'utf8'), type: 'text/html; charset=utf-8' },
    '/assets/style.css': { body: readFileSync(join(WEB, 'style.css'), 'utf8'), type: 'text/css; charset=utf-8' },
    '/assets/mamori.js': { body: readFileSync(join(WEB, 'mamori.js'), 'utf8'), type: 'text/javascript; charset=utf-8' },
    '/assets/login.js': { body: readFileSync(join(WEB, 'login.js'), 'utf8'), type: 'text/javascript; charset=utf-8' },
    '/assets/account.js': { body: readFileSync(join(WEB, 'account.js'), 'utf8'), type: 'text/javascript; charset=utf-8' },
    '/assets/app.js': { body: readFileSync(join(WEB, 'app.js'), 'utf8'), type: 'text/javascript; charset=utf-8' },
    '/assets/webauthn.js': { body: readFileSync(browserBundle, 'utf8'), type: 'text/javascript; charset=utf-8' },
  }
  for (const [path, file] of Object.entries(files)) {
    app.get(path, { config: { operation: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-type', file.type).header('content-security-policy', CSP).header('x-frame-options', 'DENY').send(file.body),
    )
  }
  app.get('/', { config: { operation: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/login'))
}
