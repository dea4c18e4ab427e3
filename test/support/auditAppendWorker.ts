/**
 * A separate process appending to the audit log, for the tests showing that several processes
 * writing one database still build one unbroken chain. Argument: JSON { store, count, actor, key,
 * startAt }; every worker waits for `startAt` so that their appends overlap.
 */
import { AuditLog } from '../../src/audit/index.js'
import { systemClock } from '../../src/runtime/index.js'
import { openStore, type StoreConfig } from '../../src/store/index.js'

interface WorkerArgs {
  store: StoreConfig
  count: number
  actor: string
  /** base64 secret key, or null for a plain chain */
  key: string | null
  /** Wall-clock ms at which to start appending (a barrier shared by the workers). */
  startAt: number
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs
const store = await openStore(args.store)
try {
  const log = new AuditLog({ store, clock: systemClock, secretKey: args.key === null ? null : Buffer.from(args.key, 'base64') })
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())))
  for (let i = 0; i < args.count; i++) {
    await log.append({ actor: { kind: 'customer', id: args.actor }, action: 'customer.login', detail: { attempt: i } })
  }
  console.log('done')
} finally {
  await store.close()
}
