/*
 * Attacks on device binding (B-7). A database dump, or an insider with read access (seed 002),
 * must not yield a token that impersonates a customer's registered device. A token stolen from a
 * device the customer has since removed ("remove all devices" after a takeover) must be dead.
 * A customer, or an attacker in one account, must not be able to remove, register or take over
 * another customer's device by its id.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { isMamoriError } from '../../errors/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { DeviceService } from './index.js'

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'

describe.each(DIALECTS)('DeviceService under attack on $dialect', (dc) => {
  let store: Store
  let devices: DeviceService

  beforeAll(async () => {
    store = await dc.open()
    devices = new DeviceService({
      store,
      clock: new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0)),
      random: cryptoRandom,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  it('never stores a device token in clear, only its SHA-256, and never hands either out in a record', async () => {
    const { device, token } = await devices.identify(undefined, UA)
    await devices.register('cus_dump', device.id, 'phone')
    const rows = await store.db.selectFrom('devices').selectAll().where('id', '=', device.id).execute()
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token, 'utf8').digest('hex'))
    const listed = JSON.stringify(await devices.list('cus_dump'))
    expect(listed).not.toContain(token)
    expect(listed).not.toContain(rows[0]?.token_hash)
    expect(Object.keys((await devices.identify(token, UA)).device)).not.toContain('tokenHash')
  })

  it('does not recognize the token of a removed device, and does not revive the device', async () => {
    const stolen = await devices.identify(undefined, UA)
    await devices.register('cus_stolen', stolen.device.id, 'old phone')
    await devices.removeAll('cus_stolen')
    const replay = await devices.identify(stolen.token, UA)
    expect(replay.isNew).toBe(true)
    expect(replay.device.id).not.toBe(stolen.device.id)
    expect(replay.token).not.toBe(stolen.token)
    expect(replay.device.customerId).toBeNull()
    expect(await devices.isRegistered('cus_stolen', stolen.device.id)).toBe(false)
    expect(await devices.attachToCustomer(stolen.device.id, 'cus_stolen')).toBe(false)
    const reRegister = await devices
      .register('cus_stolen', stolen.device.id, 'again')
      .catch((e: unknown) => e)
    expect(isMamoriError(reRegister, 'DEVICE_NOT_FOUND')).toBe(true)
  })

  it("cannot remove another customer's device", async () => {
    const victims = await devices.identify(undefined, UA)
    await devices.register('cus_victim', victims.device.id, 'victim phone')
    const err = await devices.remove('cus_attacker', victims.device.id).catch((e: unknown) => e)
    expect(isMamoriError(err, 'DEVICE_NOT_FOUND')).toBe(true)
    expect(await devices.removeAll('cus_attacker')).toBe(0)
    expect(await devices.isRegistered('cus_victim', victims.device.id)).toBe(true)
    expect((await devices.identify(victims.token, UA)).isNew).toBe(false)
  })

  it("cannot register, or inherit the registration of, another customer's device", async () => {
    const victims = await devices.identify(undefined, UA)
    await devices.register('cus_victim2', victims.device.id, 'victim laptop')
    const err = await devices
      .register('cus_attacker2', victims.device.id, 'mine now')
      .catch((e: unknown) => e)
    expect(isMamoriError(err, 'DEVICE_NOT_FOUND')).toBe(true)
    // Logging into another account from the victim's browser does not move the device over.
    expect(await devices.attachToCustomer(victims.device.id, 'cus_attacker2')).toBe(false)
    expect(await devices.isRegistered('cus_attacker2', victims.device.id)).toBe(false)
    expect((await devices.list('cus_victim2')).map((d) => [d.id, d.label])).toEqual([
      [victims.device.id, 'victim laptop'],
    ])
  })
})
