/**
 * Least privilege, route by route (D-1). The table below is the specification, written out by
 * hand: for every staff route, the roles that may call it. The test asks the running server's
 * OpenAPI document for its staff routes (so a new route without a line here fails), then calls
 * every route as every role and checks that exactly the listed roles get past the permission
 * check (any answer but STAFF_FORBIDDEN), and every other role gets 403 STAFF_FORBIDDEN. Without
 * a session, or with a customer's session, every route is 401 STAFF_AUTH_REQUIRED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaffRole } from '../../src/store/index.js'
import { newCustomer, WEBAUTHN } from '../support/frontDoorSteps.js'
import { loginSession } from '../support/riskScenario.js'
import { api, type Api } from '../support/http.js'
import { startTestServer, type TestServer } from '../support/server.js'
import { addStaff, type SignedInStaff } from '../support/staff.js'

const S: StaffRole = 'support'
const AN: StaffRole = 'analyst'
const SV: StaffRole = 'supervisor'
const AU: StaffRole = 'auditor'
const AD: StaffRole = 'admin'
const ALL = [S, AN, SV, AU, AD]

/** Who may call what. */
export const ROUTE_TABLE: readonly (readonly [string, readonly StaffRole[]])[] = [
  ['GET /v1/staff/me', ALL],
  ['GET /v1/staff/customers', [S, AN, SV]],
  ['GET /v1/staff/customers/{id}', [S, AN, SV]],
  ['POST /v1/staff/customers/{id}/reveal', [S, AN, SV]],
  ['GET /v1/staff/alerts', [AN, SV]],
  ['GET /v1/staff/alerts/{id}', [AN, SV]],
  ['GET /v1/staff/held', [AN, SV]],
  ['POST /v1/staff/held/{id}/release', [AN, SV]],
  ['POST /v1/staff/held/{id}/cancel', [AN, SV]],
  ['GET /v1/staff/cases', [AN, SV]],
  ['POST /v1/staff/cases', [AN, SV]],
  ['GET /v1/staff/cases/{id}', [AN, SV]],
  ['POST /v1/staff/cases/{id}/alerts', [AN, SV]],
  ['POST /v1/staff/cases/{id}/notes', [AN, SV]],
  ['POST /v1/staff/cases/{id}/close', [AN, SV]],
  ['POST /v1/staff/cases/{id}/actions/{action}', [AN, SV]],
  ['POST /v1/staff/cases/{id}/compensations', [AN, SV]],
  ['GET /v1/staff/compensations', [SV, AU]],
  ['GET /v1/staff/reports/compensation', [SV, AU]],
  ['GET /v1/staff/pivots/origin', [AN, SV]],
  ['GET /v1/staff/pivots/customers/{id}/timeline', [AN, SV]],
  ['GET /v1/staff/pivots/customers/{id}/similar', [AN, SV]],
  ['GET /v1/staff/pivots/symbols/{symbol}/buyers', [AN, SV]],
  ['POST /v1/staff/scan', [AN, SV]],
  ['POST /v1/staff/monitor/run', [AN, SV]],
  // Support asks for what it cannot do alone; only a supervisor decides, and never their own.
  ['POST /v1/staff/requests/customer-service', [S, AN]],
  ['POST /v1/staff/requests/remediation', [AN, SV]],
  ['GET /v1/staff/approvals', [SV]],
  ['GET /v1/staff/approvals/{id}', [SV]],
  ['POST /v1/staff/approvals/{id}/approve', [SV]],
  ['POST /v1/staff/approvals/{id}/reject', [SV]],
  // Admins manage staff and nothing about customers; a role change needs a second admin.
  ['GET /v1/staff/members', [AD]],
  ['POST /v1/staff/requests/role-change', [AD]],
  ['GET /v1/staff/staff-approvals', [AD]],
  ['GET /v1/staff/staff-approvals/{id}', [AD]],
  ['POST /v1/staff/staff-approvals/{id}/approve', [AD]],
  ['POST /v1/staff/staff-approvals/{id}/reject', [AD]],
  ['GET /v1/staff/audit', [AU]],
  ['GET /v1/staff/audit/verify', [AU]],
  // Last: it ends each role's session.
  ['POST /v1/staff/logout', ALL],
]

/** A path with its parameters filled with well-formed ids that exist nowhere. */
function concrete(path: string): string {
  const zeros = '0'.repeat(32)
  const id = path.includes('/held/')
    ? `hld_${zeros}`
    : path.includes('/alerts/')
      ? `alr_${zeros}`
      : path.includes('/cases/')
        ? `case_${zeros}`
        : path.includes('approvals/')
          ? `apr_${zeros}`
          : 'cus_nobody'
  return path.replace('{id}', id).replace('{customerId}', 'cus_nobody').replace('{symbol}', '7203').replace('{action}', 'freeze')
}

describe('staff routes: each role allowed exactly what its table says', () => {
  let ts: TestServer
  let client: Api
  const staff = new Map<StaffRole, SignedInStaff>()
  let documented: string[] = []

  beforeAll(async () => {
    ts = await startTestServer('sqlite', { overrides: { webauthn: WEBAUTHN } })
    client = api(ts.url)
    for (const role of ALL) staff.set(role, await addStaff(ts, client, role))
    const doc = await client.get<{ paths: Record<string, Record<string, { 'x-mamori-operation'?: string }>> }>('/openapi.json')
    documented = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op['x-mamori-operation'] === 'staff')
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    )
  }, 60_000)
  afterAll(async () => ts?.close())

  it('the table lists every staff route the server serves, and no other', () => {
    expect([...documented].sort()).toEqual(ROUTE_TABLE.map(([r]) => r).sort())
  })

  for (const [route, allowed] of ROUTE_TABLE) {
    const [method, path] = route.split(' ') as [string, string]
    it(`${route}: ${allowed.join(', ')}`, async () => {
      for (const role of ALL) {
        const who = staff.get(role)!
        const res = await client.request<{ error?: { code: string } }>(method, concrete(path), {
          token: who.token,
          ...(method === 'POST' ? { body: {} } : {}),
        })
        if (allowed.includes(role)) {
          expect(res.body?.error?.code, `${role} on ${route}`).not.toBe('STAFF_FORBIDDEN')
          expect(res.status, `${role} on ${route}`).not.toBe(401)
        } else {
          expect([res.status, res.body?.error?.code], `${role} on ${route}`).toEqual([403, 'STAFF_FORBIDDEN'])
        }
      }
    })
  }

  it('refuses every staff route without a staff session, with a customer session, with a made-up token, and after logout', async () => {
    const customer = await newCustomer(ts, 'cst')
    const customerToken = await loginSession(client, customer)
    for (const [route] of ROUTE_TABLE) {
      const [method, path] = route.split(' ') as [string, string]
      const none = await client.request<{ error?: { code: string } }>(method, concrete(path), method === 'POST' ? { body: {} } : {})
      expect([none.status, none.body?.error?.code], route).toEqual([401, 'STAFF_AUTH_REQUIRED'])
      const asCustomer = await client.request<{ error?: { code: string } }>(method, concrete(path), { token: customerToken, ...(method === 'POST' ? { body: {} } : {}) })
      expect([asCustomer.status, asCustomer.body?.error?.code], route).toEqual([401, 'STAFF_AUTH_REQUIRED'])
      const bogus = await client.request<{ error?: { code: string } }>(method, concrete(path), { token: 'not-a-session-token-at-all', ...(method === 'POST' ? { body: {} } : {}) })
      expect([bogus.status, bogus.body?.error?.code], route).toEqual([401, 'STAFF_AUTH_REQUIRED'])
      const loggedOut = await client.request<{ error?: { code: string } }>(method, concrete(path), { token: staff.get(AN)!.token, ...(method === 'POST' ? { body: {} } : {}) })
      expect([loggedOut.status, loggedOut.body?.error?.code], route).toEqual([401, 'STAFF_AUTH_REQUIRED'])
    }
  })
})
