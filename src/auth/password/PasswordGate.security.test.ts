/*
 * Attack: a credential-stuffing botnet queues thousands of password checks. With a first-come
 * queue every honest login waits behind them (and each check costs 19 MiB). The gate refuses the
 * overflow at once and lets a device already attached to the account go first.
 */
import { describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { PasswordGate } from './index.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('the argon2id gate', () => {
  it('runs at most `concurrency` checks at once and refuses beyond the waiting room without running them', async () => {
    const gate = new PasswordGate({ concurrency: 2, maxQueued: 3, maxPriorityQueued: 5 })
    const release = deferred()
    let running = 0
    let peak = 0
    let ran = 0
    const work = async (): Promise<void> => {
      running++
      ran++
      peak = Math.max(peak, running)
      await release.promise
      running--
    }
    const results = Array.from({ length: 10 }, () => gate.run(false, work).then(() => 'ok', (e: unknown) => e))
    await new Promise((r) => setTimeout(r, 10))
    release.resolve()
    const settled = await Promise.all(results)
    expect(settled.filter((r) => r === 'ok')).toHaveLength(5)
    expect(settled.filter((r) => isMamoriError(r, 'RATE_LIMITED'))).toHaveLength(5)
    expect(ran).toBe(5)
    expect(peak).toBe(2)
    expect(gate.refused).toBe(5)
  })

  it('serves a known device before the attackers already waiting', async () => {
    const gate = new PasswordGate({ concurrency: 1, maxQueued: 10, maxPriorityQueued: 10 })
    const release = deferred()
    const order: string[] = []
    const first = gate.run(false, () => release.promise)
    const attackers = [1, 2, 3].map((i) => gate.run(false, async () => void order.push(`attacker${i}`)))
    const owner = gate.run(true, async () => void order.push('owner'))
    release.resolve()
    await Promise.all([first, owner, ...attackers])
    expect(order[0]).toBe('owner')
  })
})
