/*
 * Credential stuffing raises an alert (C-3), not only a throttle (B-10). A leaked list tried from
 * one rented server: every attempt fails and none opens a session, so none ever reached the risk
 * gate that scores operations — the analyst saw nothing of a run the throttle was quietly
 * refusing. Failed attempts are now scored for alerts, one alert per address per interval however
 * long the run (a thousand failures must not become a thousand alerts).
 *
 * Over real HTTP against the whole server, engine enforcing, the attacker on a public address
 * through X-Forwarded-For (the server trusting its load balancer), per dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newCustomer } from '../support/frontDoorSteps.js'
import { ABROAD, eventually, from } from '../support/riskScenario.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'

async function alertsFrom(ts: TestServer, ip: string): Promise<{ top_reason: string; enforced: string }[]> {
  return ts.server.store.db.selectFrom('risk_alerts').select(['top_reason', 'enforced']).where('ip', '=', ip).execute()
}

describe.each(SERVER_DIALECTS)('credential stuffing is alerted on %s', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      defaultPolicy: true,
      overrides: { http: { trustProxy: true }, risk: { mode: 'enforce' }, auth: { ipFailureLimit: 1000, networkFailureLimit: 1000 } },
    })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('a leaked list from one server: one alert naming credential stuffing, while a customer’s own typos raise none', async () => {
    const real = await newCustomer(ts, 'typo')
    const home = from(ts, { ip: '153.156.77.250', userAgent: ABROAD.userAgent })
    for (let i = 0; i < 3; i++) {
      ts.clock.advance(2_000)
      expect((await home.post('/v1/auth/login', { loginId: real.loginId, password: `typo ${i}` })).status).toBe(401)
    }

    const tool = from(ts, ABROAD)
    for (let i = 0; i < 40; i++) {
      // A tool's pace: an attempt every 200 ms (the history reads up to, not including, the moment).
      ts.clock.advance(200)
      const r = await tool.post('/v1/auth/login', { loginId: `leaked-${i}-${dialect}`, password: `hunter${i}` })
      expect(r.status).toBe(401)
    }
    await eventually(() => alertsFrom(ts, ABROAD.ip))
    // Let any scoring still in flight finish before counting.
    await new Promise((r) => setTimeout(r, 300))
    const alerts = await alertsFrom(ts, ABROAD.ip)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.top_reason).toMatch(/^credentialStuffing:/)
    expect(await alertsFrom(ts, '153.156.77.250')).toEqual([])
  })
})
