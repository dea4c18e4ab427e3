import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'
import * as m0001 from './0001_core.js'
import * as m0002 from './0002_auth.js'
import * as m0003 from './0003_access_history.js'
import * as m0004 from './0004_risk.js'
import * as m0005 from './0005_audit.js'
import * as m0006 from './0006_staff.js'
import * as m0007 from './0007_ops.js'
import * as m0008 from './0008_investigate.js'
import * as m0009 from './0009_scan_indexes.js'
import * as m0010 from './0010_session_origin.js'

export interface VersionedMigration {
  name: string
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>
}

/** Every migration in order. Names sort lexically; never rename or edit a shipped one. */
export const MIGRATIONS: readonly VersionedMigration[] = [
  { name: '0001_core', up: m0001.up },
  { name: '0002_auth', up: m0002.up },
  { name: '0003_access_history', up: m0003.up },
  { name: '0004_risk', up: m0004.up },
  { name: '0005_audit', up: m0005.up },
  { name: '0006_staff', up: m0006.up },
  { name: '0007_ops', up: m0007.up },
  { name: '0008_investigate', up: m0008.up },
  { name: '0009_scan_indexes', up: m0009.up },
  { name: '0010_session_origin', up: m0010.up },
]
