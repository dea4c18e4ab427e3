/*
 * Attack: the real-time phishing relay of seed 003. A look-alike site (https://mamori-login.example)
 * shows the victim a copy of the login page and relays, within seconds, everything the victim
 * types to the real site: the password, then the e-mailed code or the authenticator-app (TOTP)
 * code the real site asks for. One-time codes do not stop this — the relay spends them while they
 * are fresh; all a code's single use achieves is that the victim's own attempt fails afterwards.
 *
 * This is why the default policy (JSDA 2025) wants a passkey: its assertion signs the origin the
 * browser saw, so an assertion made on the phishing origin is worthless at the real one. Shown
 * here side by side:
 *  - under a WEAK policy that accepts [password, email_code] or [password, totp] (possible only
 *    with auth.allowWeakPolicy), the relay logs in with a full session;
 *  - under the default policy the same relayed password + code reaches at most an enrolment
 *    session, which can neither withdraw nor change destinations; and for a customer who has a
 *    passkey the relay is asked for the passkey, which a relayed ceremony cannot produce.
 *
 * Over real HTTP against the whole server (startServer), per dialect.
 */
import { TOTP, URI } from 'otpauth'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, type Api } from '../../../test/support/http.js'
import { listOutbox } from '../../notify/index.js'
import {
  enrolWithPasskey,
  expectError,
  flowOf,
  flowPasskey,
  newCustomer,
  passkeyLogin,
  passwordLogin,
  registerPasskey,
  sendFlowCode,
  sessionOf,
  submitFlowCode,
  WEBAUTHN,
  type ErrorJson,
  type FrontDoorCustomer,
} from '../../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../../test/support/server.js'

const PHISHING_ORIGIN = 'https://mamori-login.example'
/** How long the relay takes to pass on what the victim typed. */
const RELAY_DELAY_MS = 8_000

const OWN_ACCOUNT = { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'ｻﾄｳ ﾊﾅｺ' } as const

function key(): Record<string, string> {
  return { 'idempotency-key': `relay-${randomUUID()}` }
}

/** Enrols TOTP from a session allowed to change factors; returns the authenticator app and the rotated token. */
async function enrolTotp(client: Api, token: string, ts: TestServer): Promise<{ app: TOTP; token: string }> {
  const enrol = await client.post<{ uri: string }>('/v1/totp/enrol', {}, { token })
  expect(enrol.status, JSON.stringify(enrol.body)).toBe(200)
  const app = URI.parse(enrol.body.uri)
  if (!(app instanceof TOTP)) throw new Error('not a TOTP URI')
  const confirmed = await client.post<{ token: string }>('/v1/totp/confirm', { code: app.generate({ timestamp: ts.clock.now() }) }, { token })
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200)
  // The confirming code spent its time step; the next code the app shows is a fresh one.
  ts.clock.advance(30_000)
  return { app, token: confirmed.body.token }
}

describe.each(SERVER_DIALECTS)('a real-time phishing relay on %s', (dialect) => {
  describe('under a weak policy that accepts password + one-time code', () => {
    let ts: TestServer

    beforeAll(async () => {
      ts = await startTestServer(dialect, {
        defaultPolicy: true,
        overrides: {
          webauthn: WEBAUTHN,
          auth: { allowWeakPolicy: true },
          policy: {
            login: { anyOf: [['password', 'email_code'], ['password', 'totp']], maxAgeSeconds: 300 },
            // Only so the victim can set up TOTP without a passkey in this weak configuration.
            factor_change: { anyOf: [['password']], maxAgeSeconds: 300 },
          },
        },
      })
    })
    afterAll(async () => {
      await ts?.close()
    })

    it('logs the relay in with the victim’s password and e-mailed code', async () => {
      const victim = await newCustomer(ts, 'victim')
      const relay = api(ts.url)
      const flowToken = flowOf(await passwordLogin(relay, victim, victim.password))
      // The real site e-mails the victim, who types the code into the phishing page.
      const code = await sendFlowCode(relay, victim, flowToken)
      ts.clock.advance(RELAY_DELAY_MS)
      const session = sessionOf(await submitFlowCode(relay, flowToken, code), 'customer')
      const portfolio = await relay.get('/v1/portfolio', { token: session })
      expect(portfolio.status).toBe(200)
    })

    it('logs the relay in with a TOTP code, which then fails for the victim in the same time step', async () => {
      const victim = await newCustomer(ts, 'victim')
      const own = api(ts.url)
      const [ownFlow, ownCode] = await codeFlow(own, victim)
      const { app } = await enrolTotp(own, sessionOf(await submitFlowCode(own, ownFlow, ownCode), 'customer'), ts)

      const relay = api(ts.url)
      const relayFlow = flowOf(await passwordLogin(relay, victim, victim.password))
      const typed = app.generate({ timestamp: ts.clock.now() })
      ts.clock.advance(RELAY_DELAY_MS)
      sessionOf(await relay.post('/v1/auth/flow/totp', { flowToken: relayFlow, code: typed }), 'customer')

      // The phishing page says "try again"; the victim goes to the real site and types the same code.
      const victimFlow = flowOf(await passwordLogin(own, victim, victim.password))
      expectError(await own.post('/v1/auth/flow/totp', { flowToken: victimFlow, code: typed }), 401, 'AUTH_FAILED')
    })

    it('still lets a customer register a first passkey (brokers migrating to passkeys), with the cooling period', async () => {
      const customer = await newCustomer(ts, 'migrating')
      const own = api(ts.url)
      const [flowToken, code] = await codeFlow(own, customer)
      const session = sessionOf(await submitFlowCode(own, flowToken, code), 'customer')
      const { token } = await registerPasskey(own, session)
      const res = await own.post('/v1/withdrawals', { destinationId: `dst_${'0'.repeat(32)}`, amount: 1_000 }, { token, headers: { 'idempotency-key': randomUUID() } })
      expectError(res, 423, 'RECOVERY_COOLING_OFF')
    })

    /** A password login waiting for its e-mail code, and that code. */
    async function codeFlow(client: Api, c: FrontDoorCustomer): Promise<[string, string]> {
      const flowToken = flowOf(await passwordLogin(client, c, c.password))
      return [flowToken, await sendFlowCode(client, c, flowToken)]
    }
  })

  describe('under the default policy', () => {
    let ts: TestServer

    beforeAll(async () => {
      ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN } })
    })
    afterAll(async () => {
      await ts?.close()
    })

    it('gives a relay of password + e-mail code only an enrolment session that cannot move money or destinations', async () => {
      const victim = await newCustomer(ts, 'victim')
      const relay = api(ts.url)
      const flowToken = flowOf(await passwordLogin(relay, victim, victim.password))
      const code = await sendFlowCode(relay, victim, flowToken)
      ts.clock.advance(RELAY_DELAY_MS)
      const session = sessionOf(await submitFlowCode(relay, flowToken, code), 'enrolment')

      for (const [path, body] of [
        ['/v1/destinations', OWN_ACCOUNT],
        ['/v1/withdrawals', { destinationId: `dst_${'0'.repeat(32)}`, amount: 10_000 }],
      ] as const) {
        const res = await relay.post<ErrorJson>(path, body, { token: session, headers: key() })
        expectError(res, 403, 'STEP_UP_REQUIRED')
        expect(res.body.error.details?.options).toEqual([['passkey']])
      }
      expectError(await relay.get('/v1/destinations', { token: session }), 403, 'STEP_UP_REQUIRED')
      expectError(await relay.post('/v1/totp/enrol', {}, { token: session }), 403, 'STEP_UP_REQUIRED')
    })

    it('lets a relay that enrols its own first passkey neither withdraw nor change destinations, and tells the victim', async () => {
      const victim = await newCustomer(ts, 'victim')
      const relay = api(ts.url)
      const flowToken = flowOf(await passwordLogin(relay, victim, victim.password))
      const code = await sendFlowCode(relay, victim, flowToken)
      ts.clock.advance(RELAY_DELAY_MS)
      const enrolment = sessionOf(await submitFlowCode(relay, flowToken, code), 'enrolment')
      // The victim had no passkey yet, so the relay may register one (else no one ever could)...
      const { token } = await registerPasskey(relay, enrolment)
      // ...but that passkey was won with a password and an e-mail code only: money stays put.
      for (const [path, body] of [
        ['/v1/destinations', OWN_ACCOUNT],
        ['/v1/withdrawals', { destinationId: `dst_${'0'.repeat(32)}`, amount: 10_000 }],
      ] as const) {
        expectError(await relay.post(path, body, { token, headers: key() }), 423, 'RECOVERY_COOLING_OFF')
      }
      const mails = await listOutbox(ts.server.store.db, victim.id, 100)
      expect(mails.some((m) => m.channel === 'email' && m.kind === 'notice.factor_changed')).toBe(true)
    })

    describe('for a victim who has a passkey', () => {
      let victim: FrontDoorCustomer
      let own: Api
      let passkey: Awaited<ReturnType<typeof enrolWithPasskey>>['credential']
      let app: TOTP

      beforeAll(async () => {
        victim = await newCustomer(ts, 'victim')
        own = api(ts.url)
        const enrolled = await enrolWithPasskey(own, victim)
        passkey = enrolled.credential
        ;({ app } = await enrolTotp(own, enrolled.token, ts))
      })

      it('asks the relay for the passkey, and a relayed e-mail code does not stand in for it', async () => {
        const relay = api(ts.url)
        const first = await passwordLogin(relay, victim, victim.password)
        expect(first.body).toMatchObject({ status: 'factor_required', options: [['passkey']], enrolment: false })
        const flowToken = first.body.flowToken!
        const code = await sendFlowCode(relay, victim, flowToken)
        ts.clock.advance(RELAY_DELAY_MS)
        const after = await submitFlowCode(relay, flowToken, code)
        expect(after.status).toBe(200)
        expect(after.body).toMatchObject({ status: 'factor_required', options: [['passkey']] })
        expect(after.body.token).toBeUndefined()
      })

      it('rejects a passkey assertion the victim made on the phishing origin', async () => {
        const relay = api(ts.url)
        const flowToken = flowOf(await passwordLogin(relay, victim, victim.password))
        // The relay passes the real site's WebAuthn options to the victim's browser on its own page.
        expectError(await flowPasskey(relay, flowToken, passkey, PHISHING_ORIGIN), 401, 'PASSKEY_INVALID')
        // Nor can it make the ceremony its own relying party's: the signature covers the RP ID too.
        expectError(await flowPasskey(relay, flowToken, passkey, PHISHING_ORIGIN, 'mamori-login.example'), 401, 'PASSKEY_INVALID')
        const still = await passwordLogin(relay, victim, victim.password)
        expect(still.body.status).toBe('factor_required')
        // The victim's own passkey, on the real origin, still works.
        sessionOf(await passkeyLogin(own, passkey))
      })

      it('accepts a relayed TOTP code once without completing the login, and refuses the victim’s same code after', async () => {
        const relay = api(ts.url)
        const relayFlow = flowOf(await passwordLogin(relay, victim, victim.password))
        const typed = app.generate({ timestamp: ts.clock.now() })
        ts.clock.advance(RELAY_DELAY_MS)
        const relayed = await relay.post<{ status: string; options: string[][]; token?: string }>('/v1/auth/flow/totp', { flowToken: relayFlow, code: typed })
        expect(relayed.status).toBe(200)
        expect(relayed.body).toMatchObject({ status: 'factor_required', options: [['passkey']] })
        expect(relayed.body.token).toBeUndefined()

        const victimFlow = flowOf(await passwordLogin(own, victim, victim.password))
        expectError(await own.post('/v1/auth/flow/totp', { flowToken: victimFlow, code: typed }), 401, 'AUTH_FAILED')
      })
    })
  })
})
