import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * The authentication front door (BRIEF B-1 … B-12): lockout and login-lock state on customers,
 * factors and device binding on sessions, passkeys and their challenges, TOTP secrets (encrypted)
 * and spent time steps, e-mail codes, a mail outbox, registered devices, multi-step login flows
 * and phone-app approvals.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const addColumns: [string, string, 'integer' | 'bigint' | 'text', number | null][] = [
    ['customers', 'failed_logins', 'integer', 0],
    ['customers', 'locked_at', 'bigint', null],
    ['customers', 'login_lock_enabled', 'integer', 0],
    ['customers', 'login_unlocked_until', 'bigint', null],
    ['customers', 'registered_devices_only', 'integer', 0],
    ['customers', 'recovery_cooling_until', 'bigint', null],
    ['customers', 'credentials_changed_at', 'bigint', null],
    ['sessions', 'device_id', 'text', null],
    ['sessions', 'factors_json', 'text', null],
    ['sessions', 'kind', 'text', null],
  ]
  for (const [table, column, type, dflt] of addColumns) {
    await db.schema
      .alterTable(table)
      .addColumn(column, type, (c) => (dflt === null ? c : c.notNull().defaultTo(dflt)))
      .execute()
  }

  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sign_count', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('login', 'phone_app')`))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('removed_at', 'bigint')
    .execute()
  await db.schema.createIndex('passkeys_customer').on('passkeys').column('customer_id').execute()

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('challenge', 'text', (c) => c.notNull().unique())
    .addColumn('customer_id', 'text')
    .addColumn('ceremony', 'text', (c) => c.notNull().check(sql`ceremony in ('registration', 'authentication')`))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('binding', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()

  await db.schema
    .createTable('totp_credentials')
    .addColumn('customer_id', 'text', (c) => c.primaryKey())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute()

  // One row per accepted code: the primary key is what makes a code single-use, even under concurrency.
  await db.schema
    .createTable('totp_used_steps')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('totp_used_steps_pk', ['customer_id', 'step'])
    .execute()

  await db.schema
    .createTable('email_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('email_codes_customer').on('email_codes').columns(['customer_id', 'created_at']).execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute()
  await db.schema.createIndex('outbox_customer').on('outbox').columns(['customer_id', 'created_at']).execute()

  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('registered', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute()
  await db.schema.createIndex('devices_customer').on('devices').column('customer_id').execute()

  await db.schema
    .createTable('auth_flows')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text')
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('factors_json', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('app_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow_hash', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'denied', 'expired')`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute()
  await db.schema.createIndex('app_approvals_customer').on('app_approvals').columns(['customer_id', 'status']).execute()
}
