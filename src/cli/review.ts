import type { Command } from 'commander'
import { SecurityNotices } from '../auth/frontDoor/SecurityNotices.js'
import type { BrokerageContext } from '../brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../brokerage/reference/index.js'
import type { FrozenConfig } from '../config/index.js'
import { withdrawalGuard } from '../guards/index.js'
import type { HeldOperation } from '../guards/reviewQueue.js'
import { ReviewService } from '../guards/reviewService.js'
import { createMailer } from '../notify/index.js'
import { cryptoRandom, systemClock } from '../runtime/index.js'
import { openStore, type HeldOperationStatus } from '../store/index.js'
import { renderTable } from './table.js'

/** Runs `fn` with a review service over the configured database (notices go through the configured mailer). */
async function withReview<T>(cfg: FrozenConfig, fn: (review: ReviewService) => Promise<T>): Promise<T> {
  const store = await openStore(cfg.database)
  try {
    const coolingMs = cfg.guards.destinationCoolingHours * 3_600_000
    const brokerage: BrokerageContext = Object.freeze({
      store,
      clock: systemClock,
      random: cryptoRandom,
      prices: new PriceFeed(cfg.market.seed, buildInstrumentCatalog()),
      screenWithdrawal: withdrawalGuard({ destinationCoolingMs: coolingMs }),
    })
    const notices = new SecurityNotices({
      store,
      clock: systemClock,
      random: cryptoRandom,
      mailer: createMailer(cfg, store, systemClock, cryptoRandom),
    })
    return await fn(new ReviewService({ brokerage, notices, destinationCoolingMs: coolingMs }))
  } finally {
    await store.close()
  }
}

function row(h: HeldOperation): (string | number)[] {
  const p = h.payload
  const what =
    h.action === 'order'
      ? `${String(p.side)} ${String(p.quantity)} ${String(p.symbol)}`
      : h.action === 'destination_change'
        ? `bank ${String(p.bankCode)}-${String(p.branchCode)} ****${String(p.accountNumber).slice(-3)}`
        : `JPY ${String(p.amount)}`
  return [h.id, new Date(h.createdAt).toISOString(), h.customerId, h.action, what, h.score, h.reasons[0]?.id ?? '', h.status]
}

const HEADERS = ['id', 'held at (UTC)', 'customer', 'operation', 'what', 'score', 'top reason', 'status']

/** `mamori review list|show|release|cancel`: the review queue of held operations (C-5, C-6) from the command line. */
export function registerReviewCommands(program: Command, config: () => FrozenConfig): void {
  const review = program.command('review').description('the review queue: operations the risk engine held')
  review
    .command('list')
    .description('list held operations, newest first')
    .option('--status <status>', 'held | released | cancelled', 'held')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { status: string; limit: string; json?: boolean }) => {
      if (!['held', 'released', 'cancelled'].includes(o.status)) throw new Error('--status must be held, released or cancelled')
      const limit = Number(o.limit)
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new Error('--limit must be an integer from 1 to 1000')
      const held = await withReview(config(), (r) => r.list({ status: o.status as HeldOperationStatus, limit }))
      if (o.json === true) console.log(JSON.stringify(held, null, 2))
      else console.log(held.length === 0 ? `no ${o.status} operations` : renderTable(HEADERS, held.map(row)))
    })
  review
    .command('show <id>')
    .description('one held operation with every reason')
    .action(async (id: string) => {
      const h = await withReview(config(), (r) => r.get(id))
      console.log(renderTable(HEADERS, [row(h)]))
      console.log(renderTable(['source', 'rule', 'severity', 'points', 'shadow', 'reason'], h.reasons.map((x) => [x.source, x.id, x.severity, x.points, x.shadow ? 'yes' : '', x.reason])))
    })
  for (const verb of ['release', 'cancel'] as const) {
    review
      .command(`${verb} <id>`)
      .description(verb === 'release' ? 'release a held operation: it runs now' : 'cancel a held operation: it never runs; held money returns')
      .requiredOption('--reason <text>', 'why (recorded)')
      .requiredOption('--by <name>', 'who resolves it (recorded)')
      .action(async (id: string, o: { reason: string; by: string }) => {
        const h = await withReview(config(), (r) => (verb === 'release' ? r.release(id, o) : r.cancel(id, o)))
        console.log(renderTable(HEADERS, [row(h)]))
      })
  }
}
