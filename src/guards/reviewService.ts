import type { BrokerageContext } from '../brokerage/index.js'
import type { HeldOperationStatus } from '../store/index.js'
import {
  cancelHeldOperation,
  getHeldOperation,
  listHeldOperations,
  releaseHeldOperation,
  type HeldOperation,
  type Resolution,
} from './reviewQueue.js'

/** What the review queue tells the customer when a hold is resolved; SecurityNotices fits. */
export interface ReviewNotices {
  send(customerId: string, kind: 'destination_added' | 'withdrawal', details: Record<string, string | number>): Promise<void>
}

/**
 * The review queue as the HTTP API and the CLI use it (C-5, C-6): each resolution in one
 * transaction, the customer told after the commit — a released destination change is announced
 * like any new destination, with the date its cooling period ends; a released withdrawal as received.
 * (A cancelled hold is the analyst's to explain; issue D-3's case actions notify.) Staff accounts and four-eyes approval of releases come with the operator side (D-1, D-2).
 */
export class ReviewService {
  readonly #brokerage: BrokerageContext
  readonly #notices: ReviewNotices | undefined
  readonly #destinationCoolingMs: number

  constructor(deps: { brokerage: BrokerageContext; notices?: ReviewNotices; destinationCoolingMs: number }) {
    this.#brokerage = deps.brokerage
    this.#notices = deps.notices
    this.#destinationCoolingMs = deps.destinationCoolingMs
  }

  list(filter: { status?: HeldOperationStatus; customerId?: string; limit?: number } = {}): Promise<HeldOperation[]> {
    return listHeldOperations(this.#brokerage.store.db, filter)
  }

  get(id: string): Promise<HeldOperation> {
    return getHeldOperation(this.#brokerage.store.db, id)
  }

  async release(id: string, resolution: Resolution): Promise<HeldOperation> {
    const held = await this.#brokerage.store.transaction((trx) => releaseHeldOperation(this.#brokerage, trx, id, resolution))
    await this.#tell(held).catch(() => undefined)
    return held
  }

  async cancel(id: string, resolution: Resolution): Promise<HeldOperation> {
    const held = await this.#brokerage.store.transaction((trx) => cancelHeldOperation(this.#brokerage, trx, id, resolution))
    await this.#tell(held).catch(() => undefined)
    return held
  }

  async #tell(held: HeldOperation): Promise<void> {
    const notices = this.#notices
    if (notices === undefined) return
    if (held.action === 'destination_change' && held.status === 'released' && held.result !== null) {
      const r = held.result
      await notices.send(held.customerId, 'destination_added', {
        bankCode: String(r.bankCode),
        branchCode: String(r.branchCode),
        accountNumber: String(r.accountNumber),
        coolingUntil: Number(r.createdAt) + this.#destinationCoolingMs,
      })
    }
    if (held.action === 'withdrawal' && held.status === 'released') {
      const destination = await this.#brokerage.store.db
        .selectFrom('withdrawals')
        .innerJoin('withdrawal_destinations', 'withdrawal_destinations.id', 'withdrawals.destination_id')
        .select(['withdrawals.amount', 'withdrawals.status', 'withdrawal_destinations.account_number'])
        .where('withdrawals.id', '=', held.withdrawalId ?? '')
        .executeTakeFirst()
      if (destination !== undefined) {
        await notices.send(held.customerId, 'withdrawal', {
          amount: Number(destination.amount),
          status: destination.status,
          accountNumber: destination.account_number,
        })
      }
    }
  }
}
