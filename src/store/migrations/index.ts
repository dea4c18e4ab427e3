import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'
import * as m0001 from './0001_core.js'
import * as m0002 from './0002_auth.js'
import * as m0003 from './0003_access_history.js'

export interface VersionedMigration {
  name: string
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>
}

/** Every migration in order. Names sort lexically; never rename or edit a shipped one. */
export const MIGRATIONS: readonly VersionedMigration[] = [
  { name: '0001_core', up: m0001.up },
  { name: '0002_auth', up: m0002.up },
  { name: '0003_access_history', up: m0003.up },
]
