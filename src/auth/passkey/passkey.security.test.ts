/**
 * Attacks on the passkey ceremonies (BRIEF B-2, C-5), one check per test, each with real WebAuthn
 * responses from the software authenticator:
 *
 * - a phishing page relaying the ceremony from its own origin, or for its own RP ID (seed 003);
 * - an authenticator that skipped user verification or presence (a stolen, unlocked key);
 * - a cloned authenticator, betrayed by its signature counter;
 * - a captured response replayed, twice in a row or concurrently, or after its challenge expired;
 * - a challenge or credential of one customer used for another;
 * - a removed passkey (lost phone) used anyway;
 * - a man in the browser changing the operation a bound (dynamically linked) assertion confirms;
 * - garbage where a response should be.
 *
 * Every rejection must carry its stable code and leave the database exactly as it was: no passkey
 * written, no counter moved, no challenge spent.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import {
  createCredential,
  getAssertion,
  type CreateCredentialOptions,
  type SoftCredential,
} from '../../../test/support/softAuthenticator.js'
import { isMamoriError, type ErrorCode } from '../../errors/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { PasskeyService, userHandleTextOf, type PasskeyPurpose } from './index.js'

const RP_ID = 'broker.example.jp'
const ORIGIN = 'https://broker.example.jp'
const PHISHING_ORIGIN = 'https://broker-example-jp.login.example'
const PHISHING_RP_ID = 'login.example'
const TTL = 5 * 60_000

describe.each(DIALECTS)('passkey ceremonies under attack on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let passkeys: PasskeyService
  let seq = 0

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    passkeys = new PasskeyService({
      store,
      clock,
      random: cryptoRandom,
      rpId: RP_ID,
      rpName: 'Mamori Securities',
      origins: [ORIGIN],
    })
  })
  afterAll(async () => {
    await store.close()
  })

  const newCustomer = (): string => `cus_${process.pid}_${++seq}`

  async function snapshot(): Promise<string> {
    const [keys, challenges] = await Promise.all([
      store.db.selectFrom('passkeys').selectAll().orderBy('id').execute(),
      store.db.selectFrom('webauthn_challenges').selectAll().orderBy('id').execute(),
    ])
    return JSON.stringify({ keys, challenges })
  }

  /** Runs `attempt`, expects a MamoriError with `code`, and checks nothing in the database changed. */
  async function rejectsUnchanged(code: ErrorCode, attempt: () => Promise<unknown>): Promise<void> {
    const before = await snapshot()
    let caught: unknown
    try {
      await attempt()
    } catch (err) {
      caught = err
    }
    expect(caught, `expected ${code}`).toSatisfy((e: unknown) => isMamoriError(e, code))
    expect(await snapshot()).toBe(before)
  }

  async function registrationFor(
    customerId: string,
    purpose: PasskeyPurpose = 'login',
  ): ReturnType<PasskeyService['registrationOptions']> {
    return passkeys.registrationOptions({
      customerId,
      userName: 'taro.yamada',
      displayName: '山田 太郎',
      purpose,
    })
  }

  async function register(
    customerId: string,
    authenticator: Partial<CreateCredentialOptions> = {},
  ): Promise<SoftCredential> {
    const { challengeId, options } = await registrationFor(customerId)
    const { response, credential } = createCredential(options, { origin: ORIGIN, ...authenticator })
    await passkeys.verifyRegistration({ challengeId, customerId, response, label: 'YubiKey' })
    return credential
  }

  async function signIn(customerId: string | undefined, credential: SoftCredential): Promise<void> {
    const { challengeId, options } = await passkeys.authenticationOptions({
      ...(customerId === undefined ? {} : { customerId }),
      purpose: 'login',
    })
    await passkeys.verifyAuthentication({
      challengeId,
      response: getAssertion(options, credential, { origin: ORIGIN }),
      purpose: 'login',
    })
  }

  describe('registration', () => {
    it('refuses a credential created on a phishing origin', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: PHISHING_ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses a credential scoped to another RP ID', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, rpId: PHISHING_RP_ID })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses a credential created without user verification', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, userVerified: false })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses a credential created without user presence', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, userPresent: false })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses a credential that signed another challenge', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const other = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, challenge: other.options.challenge })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses an assertion presented as a registration (clientData type webauthn.get)', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, type: 'webauthn.get' })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it("refuses to complete another customer's registration challenge", async () => {
      const victim = newCustomer()
      const attacker = newCustomer()
      const { challengeId, options } = await registrationFor(victim)
      const { response } = createCredential(options, { origin: ORIGIN })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId: attacker, response, label: 'x' }),
      )
    })

    it('refuses a registration challenge used a second time', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      await passkeys.verifyRegistration({
        challengeId,
        customerId,
        response: createCredential(options, { origin: ORIGIN }).response,
        label: 'a',
      })
      const { response } = createCredential(options, { origin: ORIGIN })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'b' }),
      )
      expect(await passkeys.countPasskeys(customerId)).toBe(1)
    })

    it('lets only one of several concurrent registrations on one challenge succeed', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const attempts = [0, 1, 2, 3].map(() => createCredential(options, { origin: ORIGIN }).response)
      const results = await Promise.allSettled(
        attempts.map((response) =>
          passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
        ),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results)
        if (r.status === 'rejected') expect(isMamoriError(r.reason, 'CHALLENGE_INVALID')).toBe(true)
      expect(await passkeys.countPasskeys(customerId)).toBe(1)
    })

    it('refuses an expired registration challenge', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN })
      clock.advance(TTL)
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses an authentication challenge answered as a registration', async () => {
      const customerId = newCustomer()
      const auth = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const reg = await registrationFor(customerId)
      const { response } = createCredential(
        { ...reg.options, challenge: auth.options.challenge },
        { origin: ORIGIN },
      )
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyRegistration({ challengeId: auth.challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses a credential id that is already registered, even to someone else', async () => {
      const credentialId = new Uint8Array(32).fill(7)
      await register(newCustomer(), { credentialId })
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN, credentialId })
      await rejectsUnchanged('PASSKEY_ALREADY_REGISTERED', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x' }),
      )
    })

    it('refuses an empty or overlong label before touching anything', async () => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN })
      await rejectsUnchanged('VALIDATION_FAILED', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: '   ' }),
      )
      await rejectsUnchanged('VALIDATION_FAILED', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response, label: 'x'.repeat(65) }),
      )
    })

    it.each<[string, (r: Record<string, unknown>) => unknown]>([
      ['null', () => null],
      ['a string', () => 'public-key'],
      ['an empty object', () => ({})],
      ['no response member', ({ response: _response, ...rest }) => rest],
      ['a non-base64url id', (r) => ({ ...r, id: 'a+b/c=', rawId: 'a+b/c=' })],
      ['id differing from rawId', (r) => ({ ...r, rawId: 'AAAA' })],
      ['id differing from the attested credential id', (r) => ({ ...r, id: 'AAAA', rawId: 'AAAA' })],
      ['a wrong type', (r) => ({ ...r, type: 'password' })],
      [
        'clientDataJSON that is not JSON',
        (r) => ({
          ...r,
          response: { ...(r.response as object), clientDataJSON: Buffer.from('{nope').toString('base64url') },
        }),
      ],
      [
        'an attestationObject that is not CBOR',
        (r) => ({ ...r, response: { ...(r.response as object), attestationObject: 'AAAA' } }),
      ],
      [
        'an oversized attestationObject',
        (r) => ({ ...r, response: { ...(r.response as object), attestationObject: 'A'.repeat(70_000) } }),
      ],
    ])('refuses a malformed registration response (%s) with PASSKEY_INVALID', async (_name, mangle) => {
      const customerId = newCustomer()
      const { challengeId, options } = await registrationFor(customerId)
      const { response } = createCredential(options, { origin: ORIGIN })
      const bad = mangle(JSON.parse(JSON.stringify(response)) as Record<string, unknown>)
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyRegistration({ challengeId, customerId, response: bad, label: 'x' }),
      )
    })
  })

  describe('authentication', () => {
    it('refuses an assertion made on a phishing origin', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: PHISHING_ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion scoped to another RP ID', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, rpId: PHISHING_RP_ID })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion from a cross-origin iframe', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, topOrigin: PHISHING_ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion without user verification (UV flag cleared)', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, userVerified: false })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion whose UV flag was set after signing', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, userVerified: false })
      const authData = Buffer.from(response.response.authenticatorData, 'base64url')
      authData[32] = (authData[32] ?? 0) | 0x04
      const forged = {
        ...response,
        response: { ...response.response, authenticatorData: authData.toString('base64url') },
      }
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response: forged, purpose: 'login' }),
      )
    })

    it('refuses an assertion without user presence (UP flag cleared)', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, userPresent: false })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion signed by a key other than the registered one', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const response = getAssertion(options, credential, { origin: ORIGIN, signWith: privateKey })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion that signed a different challenge than the one named', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const named = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const signed = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(signed.options, credential, { origin: ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId: named.challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses a registration presented as an assertion (clientData type webauthn.create)', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, type: 'webauthn.create' })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('flags a correctly signed counter that did not increase as a cloned authenticator', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId, { signCount: 10 })
      await signIn(customerId, credential) // the genuine authenticator is now at 11
      const clone = { ...credential }
      for (const counter of [11, 3]) {
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'login',
        })
        const response = getAssertion(options, clone, { origin: ORIGIN, counter })
        await rejectsUnchanged('PASSKEY_CLONED', () =>
          passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
        )
      }
    })

    it('treats a low counter under a bad signature as a forgery, not as evidence of a clone', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId, { signCount: 10 })
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const response = getAssertion(options, credential, { origin: ORIGIN, counter: 1, signWith: privateKey })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('lets only one of a clone and the original, racing with the same counter, sign in', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId, { signCount: 5 })
      const [a, b] = await Promise.all(
        [0, 1].map(() => passkeys.authenticationOptions({ customerId, purpose: 'login' })),
      )
      if (a === undefined || b === undefined) throw new Error('unreachable')
      const responses = [
        getAssertion(a.options, { ...credential }, { origin: ORIGIN, counter: 6 }),
        getAssertion(b.options, { ...credential }, { origin: ORIGIN, counter: 6 }),
      ]
      const results = await Promise.allSettled([
        passkeys.verifyAuthentication({
          challengeId: a.challengeId,
          response: responses[0],
          purpose: 'login',
        }),
        passkeys.verifyAuthentication({
          challengeId: b.challengeId,
          response: responses[1],
          purpose: 'login',
        }),
      ])
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      const loser = results.find((r) => r.status === 'rejected')
      expect(isMamoriError(loser?.reason, 'PASSKEY_CLONED')).toBe(true)
      const row = await store.db
        .selectFrom('passkeys')
        .select('sign_count')
        .where('id', '=', credential.id)
        .executeTakeFirstOrThrow()
      expect(row.sign_count).toBe(6)
    })

    it('refuses a replayed assertion: the challenge is single use, even for a passkey without a counter', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      expect(response.response.authenticatorData).toBeDefined()
      await passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('lets only one of several concurrent uses of one assertion succeed', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
        ),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results)
        if (r.status === 'rejected') expect(isMamoriError(r.reason, 'CHALLENGE_INVALID')).toBe(true)
    })

    it('refuses an assertion once its challenge expired, and accepts it one millisecond before', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const late = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const lateResponse = getAssertion(late.options, credential, { origin: ORIGIN })
      clock.advance(TTL)
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyAuthentication({
          challengeId: late.challengeId,
          response: lateResponse,
          purpose: 'login',
        }),
      )

      const inTime = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(inTime.options, credential, { origin: ORIGIN })
      clock.advance(TTL - 1)
      await expect(
        passkeys.verifyAuthentication({ challengeId: inTime.challengeId, response, purpose: 'login' }),
      ).resolves.toMatchObject({ customerId })
    })

    it("refuses another customer's passkey against a challenge issued for this customer", async () => {
      const victim = newCustomer()
      const attacker = newCustomer()
      await register(victim)
      const attackerKey = await register(attacker)
      const { challengeId, options } = await passkeys.authenticationOptions({
        customerId: victim,
        purpose: 'login',
      })
      const response = getAssertion(options, attackerKey, { origin: ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it("refuses a usernameless assertion carrying another customer's user handle", async () => {
      const victim = newCustomer()
      const credential = await register(newCustomer())
      const { challengeId, options } = await passkeys.authenticationOptions({ purpose: 'login' })
      const response = getAssertion(options, credential, {
        origin: ORIGIN,
        userHandle: userHandleTextOf(victim),
      })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses a usernameless assertion without a user handle', async () => {
      const credential = await register(newCustomer())
      const { challengeId, options } = await passkeys.authenticationOptions({ purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, userHandle: null })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses a removed passkey', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      await passkeys.removePasskey(customerId, credential.id)
      for (const bound of [customerId, undefined]) {
        const { challengeId, options } = await passkeys.authenticationOptions({
          ...(bound === undefined ? {} : { customerId: bound }),
          purpose: 'login',
        })
        const response = getAssertion(options, credential, { origin: ORIGIN })
        await rejectsUnchanged('PASSKEY_INVALID', () =>
          passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
        )
      }
    })

    it('refuses a credential that was never registered', async () => {
      const customerId = newCustomer()
      const reg = await registrationFor(customerId)
      const { credential } = createCredential(reg.options, { origin: ORIGIN })
      const { challengeId, options } = await passkeys.authenticationOptions({ purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion whose backup eligibility differs from registration', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, backupEligible: true })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses an assertion claiming a backup without backup eligibility', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN, backedUp: true })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' }),
      )
    })

    it('refuses a web passkey where only the phone app passkey may answer', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({
        customerId,
        purpose: 'app_approval',
      })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({
          challengeId,
          response,
          purpose: 'app_approval',
          passkeyPurpose: 'phone_app',
        }),
      )
    })

    it('refuses a challenge issued for another purpose (a login assertion used to confirm a withdrawal)', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response, purpose: 'step_up:withdrawal' }),
      )
    })

    it('refuses a registration challenge answered as an authentication', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const reg = await registrationFor(customerId)
      const auth = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion({ ...auth.options, challenge: reg.options.challenge }, credential, {
        origin: ORIGIN,
      })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId: reg.challengeId, response, purpose: 'login' }),
      )
    })

    it.each([
      ['an unknown id', 'wch_00000000000000000000000000000000'],
      ['an empty id', ''],
      ['a non-string id', 42],
      ['an overlong id', 'w'.repeat(500)],
    ])('refuses %s as challenge id with CHALLENGE_INVALID', async (_name, challengeId) => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      await rejectsUnchanged('CHALLENGE_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId: challengeId as string, response, purpose: 'login' }),
      )
    })

    describe('dynamic linking', () => {
      const confirmed = 'withdrawal|dst_victim_bank|1000000|JPY'
      const swapped = 'withdrawal|dst_mule_bank|9000000|JPY'

      it('refuses an assertion bound to one operation when verified for another', async () => {
        const customerId = newCustomer()
        const credential = await register(customerId)
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'step_up:withdrawal',
          binding: confirmed,
        })
        const response = getAssertion(options, credential, { origin: ORIGIN })
        await rejectsUnchanged('CHALLENGE_INVALID', () =>
          passkeys.verifyAuthentication({
            challengeId,
            response,
            purpose: 'step_up:withdrawal',
            expectedBinding: swapped,
          }),
        )
      })

      it('refuses a bound assertion verified without naming the operation', async () => {
        const customerId = newCustomer()
        const credential = await register(customerId)
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'step_up:withdrawal',
          binding: confirmed,
        })
        const response = getAssertion(options, credential, { origin: ORIGIN })
        await rejectsUnchanged('CHALLENGE_INVALID', () =>
          passkeys.verifyAuthentication({ challengeId, response, purpose: 'step_up:withdrawal' }),
        )
      })

      it('refuses an unbound assertion offered as confirmation of an operation', async () => {
        const customerId = newCustomer()
        const credential = await register(customerId)
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'step_up:withdrawal',
        })
        const response = getAssertion(options, credential, { origin: ORIGIN })
        await rejectsUnchanged('CHALLENGE_INVALID', () =>
          passkeys.verifyAuthentication({
            challengeId,
            response,
            purpose: 'step_up:withdrawal',
            expectedBinding: confirmed,
          }),
        )
      })
    })

    it.each<[string, (r: Record<string, unknown>) => unknown]>([
      ['null', () => null],
      ['an array', () => []],
      ['an empty object', () => ({})],
      ['a string response member', (r) => ({ ...r, response: 'signed' })],
      ['a non-base64url id', (r) => ({ ...r, id: 'a+b/c=', rawId: 'a+b/c=' })],
      ['id differing from rawId', (r) => ({ ...r, rawId: 'AAAA' })],
      ['a wrong type', (r) => ({ ...r, type: 'otp' })],
      ['a numeric user handle', (r) => ({ ...r, response: { ...(r.response as object), userHandle: 42 } })],
      [
        'clientDataJSON that is not JSON',
        (r) => ({
          ...r,
          response: {
            ...(r.response as object),
            clientDataJSON: Buffer.from('<html>').toString('base64url'),
          },
        }),
      ],
      [
        'an oversized clientDataJSON',
        (r) => ({ ...r, response: { ...(r.response as object), clientDataJSON: 'e'.repeat(10_000) } }),
      ],
      [
        'truncated authenticatorData',
        (r) => ({ ...r, response: { ...(r.response as object), authenticatorData: 'AAAA' } }),
      ],
      [
        'a signature that is not DER',
        (r) => ({ ...r, response: { ...(r.response as object), signature: 'AAAA' } }),
      ],
      [
        'a missing signature',
        (r) => ({ ...r, response: { ...(r.response as object), signature: undefined } }),
      ],
    ])('refuses a malformed authentication response (%s) with PASSKEY_INVALID', async (_name, mangle) => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      const response = getAssertion(options, credential, { origin: ORIGIN })
      const bad = mangle(JSON.parse(JSON.stringify(response)) as Record<string, unknown>)
      await rejectsUnchanged('PASSKEY_INVALID', () =>
        passkeys.verifyAuthentication({ challengeId, response: bad, purpose: 'login' }),
      )
    })

    it('never says in the message which check failed', async () => {
      const customerId = newCustomer()
      const credential = await register(customerId)
      const messages = new Set<string>()
      for (const opts of [
        { origin: PHISHING_ORIGIN },
        { origin: ORIGIN, rpId: PHISHING_RP_ID },
        { origin: ORIGIN, userVerified: false },
      ]) {
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'login',
        })
        try {
          await passkeys.verifyAuthentication({
            challengeId,
            response: getAssertion(options, credential, opts),
            purpose: 'login',
          })
        } catch (err) {
          messages.add((err as Error).message)
        }
      }
      expect([...messages]).toEqual(['the passkey response was not accepted'])
    })
  })
})
