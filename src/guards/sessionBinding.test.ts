import { beforeAll, describe, expect, it } from 'vitest'
import type { IpIntel } from '../risk/intel/index.js'
import { sharedIntel } from '../../test/support/server.js'
import { sessionMoved } from './sessionBinding.js'

describe('sessionMoved', () => {
  let intel: IpIntel
  beforeAll(async () => {
    intel = await sharedIntel()
  })

  it('a session not bound to an address, or used from its own, has not moved', () => {
    expect(sessionMoved(intel, null, '45.76.10.10')).toBe(false)
    expect(sessionMoved(intel, '153.156.77.40', '153.156.77.40')).toBe(false)
    expect(sessionMoved(intel, '::ffff:153.156.77.40', '153.156.77.40')).toBe(false)
  })

  it('another autonomous system is a move: a rented server, another ISP, the phone leaving home Wi-Fi', () => {
    expect(sessionMoved(intel, '153.156.77.40', '45.76.10.10')).toBe(true)
    expect(sessionMoved(intel, '153.156.77.40', '118.241.9.20')).toBe(true)
    expect(sessionMoved(intel, '153.156.77.40', '49.96.1.1')).toBe(true)
  })

  it('another address on the same fixed-line ISP is a move (a residential proxy); on a mobile carrier within its /16 it is the phone roaming', () => {
    expect(sessionMoved(intel, '153.156.77.40', '114.160.3.4')).toBe(true)
    expect(sessionMoved(intel, '49.96.1.1', '49.96.9.9')).toBe(false)
    // The same carrier's AS, another block: a proxy exit on the carrier's home lines, or a long roam.
    expect(sessionMoved(intel, '49.96.1.1', '49.98.1.1')).toBe(true)
  })

  it('two private addresses have nothing to compare; garbage against a public address is a move (fail closed)', () => {
    expect(sessionMoved(intel, '10.0.0.1', '10.0.0.2')).toBe(false)
    expect(sessionMoved(intel, '153.156.77.40', 'not an address')).toBe(true)
    expect(sessionMoved(intel, '153.156.77.40', '10.0.0.2')).toBe(true)
  })
})
