/**
 * E-mailed login codes (B-4) through a real SMTP server: Mamori's SmtpMailer (nodemailer) hands
 * each message to test/support/smtpServer.ts, a separate process that parses what it receives.
 * The code arrives at the registered address as plain text without a single link (seed 003 was a
 * phishing e-mail with a look-alike login link: customers are taught that a mail with a link is not
 * ours); it works only in the login flow that asked for it, only once, and not after ten minutes
 * on the server's frozen clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLink, listOutbox } from '../../src/notify/index.js'
import { api, type Api } from '../support/http.js'
import {
  errorCode,
  expectError,
  flowOf,
  newCustomer,
  passwordLogin,
  registerPasskey,
  sessionOf,
  submitFlowCode,
  WEBAUTHN,
  wrongCode,
  type FrontDoorCustomer,
} from '../support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'
import { startSmtpServer, type ReceivedMail, type SmtpServerHandle } from '../support/smtpServer.js'

const TEN_MINUTES = 10 * 60_000

let smtp: SmtpServerHandle

beforeAll(async () => {
  smtp = await startSmtpServer()
})
afterAll(async () => {
  await smtp?.close()
})

describe.each(SERVER_DIALECTS)('e-mailed login codes over SMTP on %s', (dialect) => {
  let ts: TestServer
  const read = new Set<string>()

  beforeAll(async () => {
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN, mail: { smtpUrl: smtp.url } } })
  })
  afterAll(async () => {
    await ts?.close()
  })

  /** Asks for the flow's login code and waits for the one new login-code mail to `c`. */
  async function sendCode(client: Api, c: FrontDoorCustomer, flowToken: string): Promise<{ code: string; mail: ReceivedMail }> {
    const sent = await client.post<{ expiresAt: number }>('/v1/auth/flow/email-code/send', { flowToken, purpose: 'login' })
    expect(sent.status, JSON.stringify(sent.body)).toBe(200)
    expect(sent.body.expiresAt).toBe(ts.clock.now() + TEN_MINUTES)
    const mail = await smtp.waitFor((m) => m.to.includes(c.email) && m.subject.includes('Login confirmation code') && !read.has(m.raw))
    read.add(mail.raw)
    const code = /[：:]\s*([0-9]{6})\b/.exec(mail.text)?.[1]
    if (code === undefined) throw new Error('no code in the login-code mail')
    return { code, mail }
  }

  /** A password login waiting for its e-mail code, and that code. */
  async function codeFlow(c: FrontDoorCustomer, client = api(ts.url)): Promise<{ client: Api; flowToken: string; code: string; mail: ReceivedMail }> {
    const flowToken = flowOf(await passwordLogin(client, c, c.password))
    return { client, flowToken, ...(await sendCode(client, c, flowToken)) }
  }

  it('delivers the code to the registered address as plain text without any link', async () => {
    const c = await newCustomer(ts, 'smtp')
    const { client, flowToken, code, mail } = await codeFlow(c)

    expect(mail.to).toEqual([c.email])
    expect(mail.subject).toContain('ログイン確認コード')
    expect(mail.text).toContain(code)
    expect(mail.text).toContain('It expires in 10 minutes')
    expect((mail.headers['content-type'] ?? '').toLowerCase()).toMatch(/^text\/plain/)
    expect(mail.raw).not.toMatch(/text\/html/i)
    expect(findLink(mail.text)).toBeUndefined()
    expect(findLink(mail.subject)).toBeUndefined()
    expect(mail.raw).not.toMatch(/https?:|:\/\/|www\./i)
    // It went by SMTP, not to the outbox table.
    expect(await listOutbox(ts.server.store.db, c.id)).toEqual([])

    sessionOf(await submitFlowCode(client, flowToken, code), 'enrolment')
  })

  it('accepts a code only in the login flow it was sent for', async () => {
    const c = await newCustomer(ts, 'smtp')
    const a = await codeFlow(c)
    const b = api(ts.url)
    const bFlow = flowOf(await passwordLogin(b, c, c.password))
    expectError(await submitFlowCode(b, bFlow, a.code), 401, 'AUTH_FAILED')
    const { code: bCode } = await sendCode(b, c, bFlow)
    expect(bCode).not.toBe(a.code)
    expectError(await submitFlowCode(b, bFlow, a.code), 401, 'AUTH_FAILED')

    sessionOf(await submitFlowCode(b, bFlow, bCode), 'enrolment')
    sessionOf(await submitFlowCode(a.client, a.flowToken, a.code), 'enrolment')
  })

  it('lets two simultaneous submissions of the right code open at most one session', async () => {
    const c = await newCustomer(ts, 'smtp')
    const { client, flowToken, code } = await codeFlow(c)
    const answers = await Promise.all([submitFlowCode(client, flowToken, code), submitFlowCode(client, flowToken, code)])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401])
  })

  describe('for a customer with a passkey, whose login stays open after the code', () => {
    let c: FrontDoorCustomer

    beforeAll(async () => {
      c = await newCustomer(ts, 'smtp')
      const { client, flowToken, code } = await codeFlow(c)
      await registerPasskey(client, sessionOf(await submitFlowCode(client, flowToken, code), 'enrolment'))
    })

    it('accepts a code once and refuses it the second time', async () => {
      const { client, flowToken, code } = await codeFlow(c)
      const first = await submitFlowCode(client, flowToken, code)
      expect(first.status).toBe(200)
      expect(first.body).toMatchObject({ status: 'factor_required', options: [['passkey']] })
      expectError(await submitFlowCode(client, flowToken, code), 401, 'AUTH_FAILED')
      expectError(await submitFlowCode(client, flowToken, wrongCode(code)), 401, 'AUTH_FAILED')
    })

    it('accepts a code until its ten minutes are up, and not after', async () => {
      const early = await codeFlow(c)
      ts.clock.advance(TEN_MINUTES - 1)
      expect((await submitFlowCode(early.client, early.flowToken, early.code)).status).toBe(200)

      const late = await codeFlow(c)
      ts.clock.advance(TEN_MINUTES)
      const refused = await submitFlowCode(late.client, late.flowToken, late.code)
      expect(refused.status).toBe(401)
      // The login flow lives exactly as long as its code, so either refusal may come first.
      expect(['AUTH_FAILED', 'FLOW_INVALID']).toContain(errorCode(refused))
    })
  })
})
