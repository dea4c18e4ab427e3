import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { isMamoriError } from '../../errors/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { DEVICE_COOKIE, deviceCookieOptions, DeviceService } from './index.js'

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36'

describe('device cookie', () => {
  it('is a __Host- cookie, HttpOnly, SameSite=Strict, path /, kept for 400 days', () => {
    expect(DEVICE_COOKIE).toBe('__Host-mamori_device')
    expect(deviceCookieOptions(true)).toEqual({
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/',
      maxAge: 34_560_000,
    })
    expect(deviceCookieOptions(false).secure).toBe(false)
  })
})

describe.each(DIALECTS)('DeviceService on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let devices: DeviceService

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    devices = new DeviceService({ store, clock, random: cryptoRandom })
  })
  afterAll(async () => {
    await store.close()
  })

  it('creates an anonymous device with a fresh 256-bit token when there is no cookie', async () => {
    const { device, token, isNew } = await devices.identify(undefined, UA)
    expect(isNew).toBe(true)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(device).toEqual({
      id: expect.stringMatching(/^dev_[0-9a-f]{32}$/),
      customerId: null,
      label: '',
      userAgent: UA,
      registered: false,
      createdAt: clock.now(),
      lastSeenAt: clock.now(),
    })
  })

  it('recognizes a known token and moves its last-seen time', async () => {
    const first = await devices.identify(undefined, UA)
    clock.advance(60_000)
    const again = await devices.identify(first.token, 'another agent')
    expect(again).toEqual({
      device: { ...first.device, lastSeenAt: clock.now() },
      token: first.token,
      isNew: false,
    })
    const row = await store.db
      .selectFrom('devices')
      .select('last_seen_at')
      .where('id', '=', first.device.id)
      .executeTakeFirstOrThrow()
    expect(row.last_seen_at).toBe(clock.now())
  })

  it('gives a new device for a malformed or unknown token', async () => {
    for (const token of ['', 'short', 'x'.repeat(43), 'A'.repeat(42) + '!']) {
      const { isNew, token: issued } = await devices.identify(token, UA)
      expect(isNew).toBe(true)
      expect(issued).not.toBe(token)
    }
  })

  it('stores the user agent cut to 512 characters, without control characters', async () => {
    const long = await devices.identify(undefined, 'あ'.repeat(600))
    expect(long.device.userAgent).toBe('あ'.repeat(512))
    const nul = await devices.identify(undefined, 'Agent\u0000/1.0\r\nX-Injected: 1')
    expect(nul.device.userAgent).toBe('Agent/1.0X-Injected: 1')
    const again = await devices.identify(nul.token, UA)
    expect(again.device.userAgent).toBe('Agent/1.0X-Injected: 1')
  })

  it('attaches an anonymous device to the customer who logs in from it', async () => {
    const { device, token } = await devices.identify(undefined, UA)
    expect(await devices.attachToCustomer(device.id, 'cus_attach')).toBe(true)
    expect(await devices.attachToCustomer(device.id, 'cus_attach')).toBe(true)
    expect((await devices.identify(token, UA)).device.customerId).toBe('cus_attach')
    expect(await devices.isRegistered('cus_attach', device.id)).toBe(false)
    expect(await devices.attachToCustomer('dev_unknown', 'cus_attach')).toBe(false)
  })

  it('registers a device under a label and lists only registered devices, oldest first', async () => {
    const a = await devices.identify(undefined, UA)
    clock.advance(1_000)
    const b = await devices.identify(undefined, UA)
    const attachedOnly = await devices.identify(undefined, UA)
    await devices.attachToCustomer(a.device.id, 'cus_list')
    await devices.attachToCustomer(attachedOnly.device.id, 'cus_list')
    await devices.register('cus_list', a.device.id, '  自宅のPC  ')
    await devices.register('cus_list', b.device.id, 'iPhone')
    const listed = await devices.list('cus_list')
    expect(listed.map((d) => [d.id, d.label, d.registered, d.customerId])).toEqual([
      [a.device.id, '自宅のPC', true, 'cus_list'],
      [b.device.id, 'iPhone', true, 'cus_list'],
    ])
    expect(await devices.isRegistered('cus_list', a.device.id)).toBe(true)
    expect(await devices.isRegistered('cus_list', attachedOnly.device.id)).toBe(false)
  })

  it('refuses an empty label', async () => {
    const { device } = await devices.identify(undefined, UA)
    const err = await devices.register('cus_label', device.id, ' \u0000 ').catch((e: unknown) => e)
    expect(isMamoriError(err, 'VALIDATION_FAILED')).toBe(true)
    expect(await devices.isRegistered('cus_label', device.id)).toBe(false)
  })

  it('removes one device, which then leaves the list and is not found a second time', async () => {
    const a = await devices.identify(undefined, UA)
    const b = await devices.identify(undefined, UA)
    await devices.register('cus_remove', a.device.id, 'a')
    await devices.register('cus_remove', b.device.id, 'b')
    await devices.remove('cus_remove', a.device.id)
    expect((await devices.list('cus_remove')).map((d) => d.id)).toEqual([b.device.id])
    expect(await devices.isRegistered('cus_remove', a.device.id)).toBe(false)
    const again = await devices.remove('cus_remove', a.device.id).catch((e: unknown) => e)
    expect(isMamoriError(again, 'DEVICE_NOT_FOUND')).toBe(true)
    const unknown = await devices.remove('cus_remove', 'dev_unknown').catch((e: unknown) => e)
    expect(isMamoriError(unknown, 'DEVICE_NOT_FOUND')).toBe(true)
  })

  it("removes all of a customer's devices, registered or merely attached, and no one else's", async () => {
    const mine = [
      await devices.identify(undefined, UA),
      await devices.identify(undefined, UA),
      await devices.identify(undefined, UA),
    ]
    await devices.register('cus_all', mine[0]!.device.id, 'one')
    await devices.register('cus_all', mine[1]!.device.id, 'two')
    await devices.attachToCustomer(mine[2]!.device.id, 'cus_all')
    const theirs = await devices.identify(undefined, UA)
    await devices.register('cus_bystander', theirs.device.id, 'theirs')

    expect(await devices.removeAll('cus_all')).toBe(3)
    expect(await devices.list('cus_all')).toEqual([])
    for (const m of mine) expect((await devices.identify(m.token, UA)).isNew).toBe(true)
    expect(await devices.removeAll('cus_all')).toBe(0)
    expect(await devices.isRegistered('cus_bystander', theirs.device.id)).toBe(true)
  })
})
