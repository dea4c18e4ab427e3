/*
 * C-7 with the risk engine enforcing: every kind of notice it adds, and the front-door ones it
 * relies on, read as the customer would get them from a real SMTP server process — no link, the
 * facts a customer can check (where from, what was held).
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLink } from '../../src/notify/index.js'
import { registerPasskey, stepUp, WEBAUTHN } from '../support/frontDoorSteps.js'
import { CHROME_WINDOWS, from, loginSession, PROXY, UNVOUCHED, victimWithHistory } from '../support/riskScenario.js'
import { CORE_ONLY_AUTH, CORE_ONLY_POLICY, startTestServer, type TestServer } from '../support/server.js'
import { startSmtpServer, type ReceivedMail, type SmtpServerHandle } from '../support/smtpServer.js'

describe('risk notices over real SMTP', () => {
  let smtp: SmtpServerHandle
  let ts: TestServer
  beforeAll(async () => {
    smtp = await startSmtpServer()
    ts = await startTestServer('sqlite', {
      overrides: {
        mail: { smtpUrl: smtp.url },
        webauthn: WEBAUTHN,
        http: { trustProxy: true },
        risk: { mode: 'enforce', engine: { thresholds: { order: { hold: 50, freeze: 95 } } } },
        auth: { ...CORE_ONLY_AUTH },
        policy: { ...CORE_ONLY_POLICY },
      },
    })
  })
  afterAll(async () => {
    await ts?.close()
    await smtp?.close()
  })

  const mailTo = (email: string, subject: string): Promise<ReceivedMail> =>
    smtp.waitFor((m) => m.to.includes(email) && m.subject.includes(subject), 10_000)

  function clean(mail: ReceivedMail): void {
    expect(findLink(mail.text), mail.text).toBeUndefined()
  }

  it('tells of a login from a new environment (with where from), a held order, a new passkey and a contact change', async () => {
    const victim = await victimWithHistory(ts)

    // A login from a new laptop on another ISP: stepped up to the e-mailed code, then told.
    const laptop = from(ts, { ip: '106.72.1.9', userAgent: CHROME_WINDOWS })
    const login = await laptop.post<{ status: string; flowToken: string }>('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(login.body.status).toBe('factor_required')
    expect((await laptop.post('/v1/auth/flow/email-code/send', { flowToken: login.body.flowToken, purpose: 'login' })).status).toBe(200)
    const codeMail = await mailTo(victim.email, 'Login confirmation code')
    const code = /[：:]\s*([0-9]{6})\b/.exec(codeMail.text)?.[1]
    expect(code).toBeDefined()
    const done = await laptop.post<{ status: string; token: string }>('/v1/auth/flow/email-code', { flowToken: login.body.flowToken, purpose: 'login', code })
    expect(done.body.status).toBe('complete')
    const newEnvironment = await mailTo(victim.email, 'A login from a new device and network')
    clean(newEnvironment)
    expect(newEnvironment.text).toContain('106.72.1.9')
    expect(newEnvironment.text).toContain('KDDI')

    // A login on a new device on her own ISP (not a new environment): the new-device notice.
    const proxy = from(ts, PROXY)
    await loginSession(proxy, victim)
    clean(await mailTo(victim.email, 'A new device was registered'))

    // An order from her session at home, sent through an address nothing vouches for: held, and she is told what was held.
    const homeToken = await loginSession(victim.home, victim)
    const odd = from(ts, UNVOUCHED)
    const order = await odd.post('/v1/orders', { symbol: '7203', side: 'sell', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }, {
      token: homeToken,
      headers: { 'x-mamori-device': victim.home.deviceToken()!, 'idempotency-key': randomUUID() },
    })
    expect(order.status, JSON.stringify(order.body)).toBe(202)
    const held = await mailTo(victim.email, 'An order is on hold for review')
    clean(held)
    expect(held.text).toContain('sell 100 7203')

    // From home: a first passkey (factor added), then a contact change with a fresh passkey; old and new address told.
    const token = homeToken
    const { token: afterPasskey, credential } = await registerPasskey(victim.home, token)
    clean(await mailTo(victim.email, 'Your sign-in methods changed'))
    const fresh = await stepUp(victim.home, afterPasskey, 'contact_change', credential)
    const newEmail = `moved-${randomUUID().slice(0, 8)}@example.jp`
    const changed = await victim.home.post('/v1/contact', { email: newEmail }, { token: fresh })
    expect(changed.status, JSON.stringify(changed.body)).toBe(204)
    clean(await mailTo(victim.email, 'Your registered e-mail address changed'))
    clean(await mailTo(newEmail, 'Your registered e-mail address changed'))
  })
})
