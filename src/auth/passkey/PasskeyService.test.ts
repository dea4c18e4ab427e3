import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import {
  createCredential,
  getAssertion,
  type SoftCredential,
} from '../../../test/support/softAuthenticator.js'
import { isMamoriError } from '../../errors/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import {
  bindingHashOf,
  PasskeyService,
  userHandleTextOf,
  type PasskeyPurpose,
  type PasskeySummary,
} from './index.js'

const RP_ID = 'broker.example.jp'
const ORIGIN = 'https://broker.example.jp'
const TTL = 5 * 60_000

describe.each(DIALECTS)('PasskeyService on $dialect', (dc) => {
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

  async function register(
    customerId: string,
    purpose: PasskeyPurpose = 'login',
    authenticator: { signCount?: number; backupEligible?: boolean; backedUp?: boolean } = {},
  ): Promise<{ credential: SoftCredential; passkey: PasskeySummary }> {
    const { challengeId, options } = await passkeys.registrationOptions({
      customerId,
      userName: 'taro.yamada',
      displayName: '山田 太郎',
      purpose,
    })
    const { response, credential } = createCredential(options, { origin: ORIGIN, ...authenticator })
    const passkey = await passkeys.verifyRegistration({ challengeId, customerId, response, label: 'iPhone' })
    return { credential, passkey }
  }

  it('offers registration with a discoverable credential, UV required, no attestation and ES256/RS256 only', async () => {
    const customerId = newCustomer()
    const { challengeId, options } = await passkeys.registrationOptions({
      customerId,
      userName: 'taro.yamada',
      displayName: '山田 太郎',
      purpose: 'login',
    })
    expect(challengeId).toMatch(/^wch_[0-9a-f]{32}$/)
    expect(options.rp).toEqual({ id: RP_ID, name: 'Mamori Securities' })
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    })
    expect(options.attestation).toBe('none')
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -257])
    expect(options.timeout).toBe(TTL)
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32)
    expect(options.excludeCredentials).toEqual([])
  })

  it('uses an opaque per-customer user handle, never the login ID, e-mail or customer id', async () => {
    const customerId = newCustomer()
    const a = await passkeys.registrationOptions({
      customerId,
      userName: 'taro@example.jp',
      displayName: 'Taro',
      purpose: 'login',
    })
    const b = await passkeys.registrationOptions({
      customerId,
      userName: 'taro@example.jp',
      displayName: 'Taro',
      purpose: 'login',
    })
    const other = await passkeys.registrationOptions({
      customerId: newCustomer(),
      userName: 'taro@example.jp',
      displayName: 'Taro',
      purpose: 'login',
    })
    const handle = Buffer.from(a.options.user.id, 'base64url')
    expect(handle).toHaveLength(32)
    expect(handle.toString('latin1')).not.toContain('taro')
    expect(handle.toString('latin1')).not.toContain(customerId)
    expect(a.options.user.id).toBe(b.options.user.id)
    expect(a.options.user.id).toBe(userHandleTextOf(customerId))
    expect(other.options.user.id).not.toBe(a.options.user.id)
  })

  it('registers a passkey and then authenticates the customer with it', async () => {
    const customerId = newCustomer()
    const { credential, passkey } = await register(customerId)
    expect(passkey).toEqual({
      id: credential.id,
      purpose: 'login',
      label: 'iPhone',
      transports: ['internal'],
      deviceType: 'singleDevice',
      backedUp: false,
      createdAt: clock.now(),
      lastUsedAt: null,
    })

    clock.advance(60_000)
    const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
    expect(options.userVerification).toBe('required')
    expect(options.rpId).toBe(RP_ID)
    expect(options.allowCredentials).toEqual([
      { id: credential.id, transports: ['internal'], type: 'public-key' },
    ])
    const response = getAssertion(options, credential, { origin: ORIGIN })
    const result = await passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' })
    expect(result).toEqual({ customerId, credentialId: credential.id, purpose: 'login', userVerified: true })
    expect((await passkeys.listPasskeys(customerId))[0]?.lastUsedAt).toBe(clock.now())
  })

  it('stores what the authenticator attested: public key, counter, transports, backup state and purpose', async () => {
    const customerId = newCustomer()
    const { credential } = await register(customerId, 'phone_app', {
      signCount: 7,
      backupEligible: true,
      backedUp: true,
    })
    const row = await store.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      customer_id: customerId,
      public_key: Buffer.from(credential.publicKeyCose).toString('base64url'),
      sign_count: 7,
      transports: '["internal"]',
      device_type: 'multiDevice',
      backed_up: 1,
      purpose: 'phone_app',
      removed_at: null,
    })
  })

  it('keeps several passkeys per customer, each able to sign in, and excludes them from new registrations', async () => {
    const customerId = newCustomer()
    const first = await register(customerId)
    const second = await register(customerId, 'login', { backupEligible: true })
    const phone = await register(customerId, 'phone_app')
    expect(await passkeys.countPasskeys(customerId)).toBe(3)
    expect(await passkeys.countPasskeys(customerId, 'login')).toBe(2)
    expect(await passkeys.countPasskeys(customerId, 'phone_app')).toBe(1)
    expect((await passkeys.listPasskeys(customerId)).map((p) => p.id).sort()).toEqual(
      [first.credential.id, second.credential.id, phone.credential.id].sort(),
    )

    const reg = await passkeys.registrationOptions({
      customerId,
      userName: 'taro',
      displayName: 'Taro',
      purpose: 'login',
    })
    expect(reg.options.excludeCredentials?.map((c) => c.id).sort()).toEqual(
      [first.credential.id, second.credential.id, phone.credential.id].sort(),
    )

    for (const { credential } of [first, second]) {
      const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
      expect(options.allowCredentials).toHaveLength(3)
      const result = await passkeys.verifyAuthentication({
        challengeId,
        response: getAssertion(options, credential, { origin: ORIGIN }),
        purpose: 'login',
      })
      expect(result.credentialId).toBe(credential.id)
    }

    const onlyPhone = await passkeys.authenticationOptions({
      customerId,
      purpose: 'app_session',
      passkeyPurpose: 'phone_app',
    })
    expect(onlyPhone.options.allowCredentials?.map((c) => c.id)).toEqual([phone.credential.id])
    const result = await passkeys.verifyAuthentication({
      challengeId: onlyPhone.challengeId,
      response: getAssertion(onlyPhone.options, phone.credential, { origin: ORIGIN }),
      purpose: 'app_session',
      passkeyPurpose: 'phone_app',
    })
    expect(result.purpose).toBe('phone_app')
  })

  it('finds the customer in a usernameless sign-in from the credential and its user handle', async () => {
    const customerId = newCustomer()
    await register(newCustomer())
    const { credential } = await register(customerId)
    const { challengeId, options } = await passkeys.authenticationOptions({ purpose: 'login' })
    expect(options.allowCredentials).toEqual([])
    const response = getAssertion(options, credential, { origin: ORIGIN })
    expect(response.response.userHandle).toBe(userHandleTextOf(customerId))
    expect(await passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' })).toEqual({
      customerId,
      credentialId: credential.id,
      purpose: 'login',
      userVerified: true,
    })
  })

  it('accepts an increasing counter and records it, and a non-counting passkey (always 0) every time', async () => {
    const customerId = newCustomer()
    const counting = await register(customerId, 'login', { signCount: 5 })
    const synced = await register(customerId, 'login', { backupEligible: true, backedUp: true })
    for (let i = 0; i < 2; i++) {
      for (const { credential } of [counting, synced]) {
        const { challengeId, options } = await passkeys.authenticationOptions({
          customerId,
          purpose: 'login',
        })
        await passkeys.verifyAuthentication({
          challengeId,
          response: getAssertion(options, credential, { origin: ORIGIN }),
          purpose: 'login',
        })
      }
    }
    const rows = await store.db
      .selectFrom('passkeys')
      .select(['id', 'sign_count'])
      .where('customer_id', '=', customerId)
      .execute()
    expect(Object.fromEntries(rows.map((r) => [r.id, r.sign_count]))).toEqual({
      [counting.credential.id]: 7,
      [synced.credential.id]: 0,
    })
  })

  it('records a change of backup state reported by a correctly signed assertion', async () => {
    const customerId = newCustomer()
    const { credential } = await register(customerId, 'login', { backupEligible: true, backedUp: false })
    const { challengeId, options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
    await passkeys.verifyAuthentication({
      challengeId,
      response: getAssertion(options, credential, { origin: ORIGIN, backedUp: true }),
      purpose: 'login',
    })
    expect((await passkeys.listPasskeys(customerId))[0]?.backedUp).toBe(true)
  })

  it('accepts an assertion bound to an operation when the same operation is verified', async () => {
    const customerId = newCustomer()
    const { credential } = await register(customerId)
    const operation = 'withdrawal|dst_1|1000000|JPY'
    const { challengeId, options } = await passkeys.authenticationOptions({
      customerId,
      purpose: 'step_up:withdrawal',
      binding: operation,
    })
    const stored = await store.db
      .selectFrom('webauthn_challenges')
      .select(['binding', 'challenge'])
      .where('id', '=', challengeId)
      .executeTakeFirstOrThrow()
    expect(stored.binding).toBe(bindingHashOf(operation))
    expect(stored.binding).not.toContain('withdrawal')
    expect(Buffer.from(stored.challenge, 'base64url')).toHaveLength(32)
    const result = await passkeys.verifyAuthentication({
      challengeId,
      response: getAssertion(options, credential, { origin: ORIGIN }),
      purpose: 'step_up:withdrawal',
      expectedBinding: operation,
    })
    expect(result.customerId).toBe(customerId)
  })

  it('removes a passkey: no longer listed, counted, offered or excluded', async () => {
    const customerId = newCustomer()
    const keep = await register(customerId)
    const gone = await register(customerId)
    clock.advance(1_000)
    await passkeys.removePasskey(customerId, gone.credential.id)
    expect((await passkeys.listPasskeys(customerId)).map((p) => p.id)).toEqual([keep.credential.id])
    expect(await passkeys.countPasskeys(customerId)).toBe(1)
    const { options } = await passkeys.authenticationOptions({ customerId, purpose: 'login' })
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([keep.credential.id])
    const row = await store.db
      .selectFrom('passkeys')
      .select('removed_at')
      .where('id', '=', gone.credential.id)
      .executeTakeFirstOrThrow()
    expect(row.removed_at).toBe(clock.now())
  })

  it("refuses to remove another customer's passkey, or one already removed, with PASSKEY_NOT_FOUND", async () => {
    const owner = newCustomer()
    const { credential } = await register(owner)
    await expect(passkeys.removePasskey(newCustomer(), credential.id)).rejects.toSatisfy((e) =>
      isMamoriError(e, 'PASSKEY_NOT_FOUND'),
    )
    expect(await passkeys.countPasskeys(owner)).toBe(1)
    await passkeys.removePasskey(owner, credential.id)
    await expect(passkeys.removePasskey(owner, credential.id)).rejects.toSatisfy((e) =>
      isMamoriError(e, 'PASSKEY_NOT_FOUND'),
    )
  })

  it("removes all of a customer's passkeys of one purpose and reports how many", async () => {
    const customerId = newCustomer()
    await register(customerId)
    await register(customerId, 'phone_app')
    await register(customerId, 'phone_app')
    expect(await passkeys.removeAll(customerId, 'phone_app')).toBe(2)
    expect(await passkeys.countPasskeys(customerId, 'phone_app')).toBe(0)
    expect(await passkeys.countPasskeys(customerId, 'login')).toBe(1)
    expect(await passkeys.removeAll(customerId)).toBe(1)
    expect(await passkeys.countPasskeys(customerId)).toBe(0)
  })

  it('refuses impossible configuration with a TypeError', () => {
    const base = { store, clock, random: cryptoRandom, rpId: RP_ID, rpName: 'Mamori', origins: [ORIGIN] }
    expect(() => new PasskeyService({ ...base, origins: [] })).toThrow(TypeError)
    expect(() => new PasskeyService({ ...base, origins: ['https://broker.example.jp/'] })).toThrow(TypeError)
    expect(() => new PasskeyService({ ...base, origins: ['http://broker.example.jp'] })).toThrow(TypeError)
    expect(() => new PasskeyService({ ...base, rpId: '' })).toThrow(TypeError)
    expect(() => new PasskeyService({ ...base, challengeTtlMs: 0 })).toThrow(TypeError)
    expect(
      () => new PasskeyService({ ...base, origins: ['http://localhost:3000', 'android:apk-key-hash:abc'] }),
    ).not.toThrow()
  })
})
