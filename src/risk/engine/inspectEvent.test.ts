/**
 * Bad input (issue 4): events with missing or malformed fields, unknown IPs, IPv6, private
 * addresses and garbage user agents are scored with a clear reason, never crash the engine and
 * never default to allow where the thresholds say otherwise.
 */
import { describe, expect, it } from 'vitest'
import type { AccessEvent } from '../events/index.js'
import { RiskEngine } from './RiskEngine.js'
import { inspectEvent } from './inspectEvent.js'
import {
  HOME,
  MemoryContext,
  T0,
  accessEvent,
  homeHistory,
  trainedModel,
  unseenNetwork,
} from '../../../test/support/engineSupport.js'

const engine = new RiskEngine({ typologies: [unseenNetwork()], model: trainedModel(), options: {} })
const ctx = (): MemoryContext => new MemoryContext(T0, homeHistory())
const JUNK_UA = 'x'.repeat(10 * 1024)

function inputIds(reasons: readonly { source: string; id: string }[]): string[] {
  return reasons.filter((r) => r.source === 'input').map((r) => r.id)
}

describe('inspectEvent', () => {
  it('finds nothing wrong with an ordinary event and returns an equal copy', () => {
    const event = accessEvent('login', 'cus-0')
    const inspected = inspectEvent(event)

    expect(inspected.problems).toEqual([])
    expect(inspected.event).toEqual(event)
  })

  it('fills every missing field with a value that can never look familiar', () => {
    const inspected = inspectEvent({ action: 'withdrawal', at: T0 })

    expect(inspected.event).toMatchObject({
      customerId: null,
      ip: '',
      network: 'net:invalid',
      asn: null,
      userAgent: '',
      deviceType: 'other',
      deviceId: null,
      detail: {},
    })
    expect(inspected.problems.map((p) => p.id)).toEqual([
      'missing_customer',
      'invalid_ip',
      'garbage_user_agent',
    ])
  })

  it('keeps a public IPv6 address with known intelligence as it is, without a problem', () => {
    const inspected = inspectEvent(
      accessEvent('login', 'cus-0', { ...HOME, ip: '2001:DB8:0:0::1', network: 'asn:4713' }),
    )

    expect(inspected.problems).toEqual([])
    expect(inspected.event?.ip).toBe('2001:db8::1')
  })

  it('drops non-scalar detail values and non-finite numbers', () => {
    const inspected = inspectEvent({
      ...accessEvent('withdrawal', 'cus-0'),
      detail: { amount: Number.POSITIVE_INFINITY, destinationId: 'dst-1', nested: { a: 1 } },
    })

    expect(inspected.event?.detail).toEqual({ amount: null, destinationId: 'dst-1' })
  })
})

describe('RiskEngine.decide on bad input', () => {
  it('decides an event with only an action and a time, holding the withdrawal', async () => {
    const decision = await engine.decide({ action: 'withdrawal', at: T0 } as unknown as AccessEvent, ctx())

    expect(decision.outcome).toBe('hold')
    expect(inputIds(decision.reasons)).toEqual(['missing_customer', 'invalid_ip', 'garbage_user_agent'])
  })

  it.each([
    ['withdrawal', 'hold'],
    ['order', 'hold'],
    ['login', 'step_up'],
    ['contact_change', 'step_up'],
  ] as const)(
    'scores a garbage address on a %s from the customer’s own device as %s',
    async (action, outcome) => {
      const event = accessEvent(action, 'cus-0', {
        ...HOME,
        ip: "1.2.3.4'; drop table--",
        network: 'net:invalid',
      })
      const decision = await engine.decide(event, ctx())

      expect(decision.outcome).toBe(outcome)
      expect(decision.reasons).toContainEqual(
        expect.objectContaining({ source: 'input', id: 'invalid_ip', severity: 'high', points: 60 }),
      )
    },
  )

  it('steps up a login from a private address, which has no location and no network owner', async () => {
    const event = accessEvent('login', 'cus-0', {
      ...HOME,
      ip: '192.168.1.20',
      asn: null,
      network: 'net:192.168.1.0/24',
      country: null,
    })
    const decision = await engine.decide(event, ctx())

    expect(decision.outcome).toBe('step_up')
    expect(inputIds(decision.reasons)).toEqual(['private_ip'])
  })

  it('scores an IPv6 address nothing is known about as an unknown origin, and holds a withdrawal from it', async () => {
    const event = accessEvent('withdrawal', 'cus-0', {
      ...HOME,
      ip: '2001:db8:85a3::8a2e:370:7334',
      asn: null,
      asnName: null,
      network: 'net:2001:db8:85a3::/48',
      country: null,
      city: null,
    })
    const decision = await engine.decide(event, ctx())

    expect(inputIds(decision.reasons)).toEqual(['unknown_origin'])
    // The unseen network (high, 60) and the unknown origin (20) add up to 70: held.
    expect(decision).toMatchObject({ outcome: 'hold', score: 70 })
  })

  it('scores a 10 KB junk user agent as garbage and cuts it', async () => {
    const event = accessEvent('login', 'cus-0', {
      ...HOME,
      userAgent: JUNK_UA,
      browser: null,
      os: null,
      deviceType: 'other',
    })
    const decision = await engine.decide(event, ctx())

    expect(decision.reasons).toContainEqual(
      expect.objectContaining({ source: 'input', id: 'garbage_user_agent' }),
    )
    expect(decision.reasons.find((r) => r.id === 'garbage_user_agent')!.reason.length).toBeLessThan(200)
    expect(inspectEvent(event).event!.userAgent).toHaveLength(512)
    expect(decision.outcome).toBe('step_up')
  })

  it('scores a real user agent with junk appended past the parser’s limit', async () => {
    const event = accessEvent('login', 'cus-0', { ...HOME, userAgent: HOME.userAgent + JUNK_UA })

    expect(inputIds((await engine.decide(event, ctx())).reasons)).toEqual(['garbage_user_agent'])
  })

  it('holds a withdrawal that names no customer and skips the login model for a login without one', async () => {
    const withdrawal = await engine.decide(accessEvent('withdrawal', null), ctx())
    const login = await engine.decide(accessEvent('login', null), ctx())

    expect(withdrawal.outcome).toBe('hold')
    expect(inputIds(withdrawal.reasons)).toEqual(['missing_customer'])
    expect(login.outcome).toBe('step_up')
    expect(login.reasons.some((r) => r.source === 'rba')).toBe(false)
  })

  it('never throws and never allows a withdrawal for any of a batch of malformed events', async () => {
    const bad: unknown[] = [
      { action: 'withdrawal', at: T0, customerId: 42, ip: 12345, userAgent: { toString: 'x' } },
      { action: 'withdrawal', at: T0, customerId: '', ip: '::1', userAgent: '' },
      {
        action: 'withdrawal',
        at: T0,
        customerId: 'cus-0',
        ip: '0.0.0.0',
        network: 'asn:4713',
        userAgent: JUNK_UA,
      },
      { action: 'withdrawal', at: T0, customerId: 'cus-0', ip: '::ffff:10.0.0.1', userAgent: '\u0000\u0000' },
      { action: 'withdrawal', at: T0, customerId: 'cus-0', ip: 'fe80::1%eth0', detail: 'not an object' },
      { action: 'withdrawal', at: T0, customerId: 'cus-0', ip: 'x'.repeat(10_000), latitude: 'north' },
    ]
    for (const raw of bad) {
      const decision = await engine.decide(raw as AccessEvent, ctx())
      expect(decision.outcome, JSON.stringify(raw).slice(0, 80)).not.toBe('allow')
      expect(decision.reasons.some((r) => r.source === 'input')).toBe(true)
    }
  })
})
