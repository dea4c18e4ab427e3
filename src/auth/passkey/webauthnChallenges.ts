import type { Db, WebauthnChallengesTable } from '../../store/index.js'
import { challengeInvalid } from './rejections.js'

/** A stored challenge row. */
export type ChallengeRow = WebauthnChallengesTable

/** What a ceremony expects of the challenge it is completing. */
export interface ChallengeExpectation {
  readonly ceremony: 'registration' | 'authentication'
  readonly now: number
  /** Registration: the customer completing it. Authentication: checked against the credential instead. */
  readonly customerId?: string
  /** Authentication: the purpose the caller is verifying for. */
  readonly purpose?: string
}

// Our ids are `wch_` plus 32 hex digits; anything much longer is not worth a database round trip.
const MAX_ID_LENGTH = 128

/** Stores a freshly issued challenge. */
export async function insertChallenge(db: Db, row: ChallengeRow): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute()
}

/**
 * Loads the challenge `id` and checks it can complete this ceremony: it exists, is of this
 * ceremony, unused, unexpired (valid while now < expires_at), and belongs to this customer and
 * purpose when those are expected. Every failure is the same CHALLENGE_INVALID.
 */
export async function loadUsableChallenge(
  db: Db,
  id: unknown,
  expect: ChallengeExpectation,
): Promise<ChallengeRow> {
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) throw challengeInvalid()
  const row = await db.selectFrom('webauthn_challenges').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw challengeInvalid()
  if (row.ceremony !== expect.ceremony) throw challengeInvalid()
  // WebAuthn §13.4.3: a challenge is used once; a replayed response names a spent challenge.
  if (row.used_at !== null) throw challengeInvalid()
  if (expect.now >= row.expires_at) throw challengeInvalid()
  if (expect.customerId !== undefined && row.customer_id !== expect.customerId) throw challengeInvalid()
  if (expect.purpose !== undefined && row.purpose !== expect.purpose) throw challengeInvalid()
  return row
}

/**
 * Marks the challenge used, in the caller's transaction. The conditional UPDATE is the single-use
 * guarantee: of two concurrent completions of one challenge exactly one changes the row (PostgreSQL
 * serialises the two updates on the row lock and re-checks `used_at` for the second; SQLite has
 * one writer), and the other is CHALLENGE_INVALID. Expiry is re-checked at the same instant.
 */
export async function consumeChallenge(db: Db, id: string, now: number): Promise<void> {
  const result = await db
    .updateTable('webauthn_challenges')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  if (result.numUpdatedRows !== 1n) throw challengeInvalid()
}
