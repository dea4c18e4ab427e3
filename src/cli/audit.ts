import { existsSync, readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { lockDownAuditRole, verifyAuditChain, type AuditAnchor, type AuditVerification } from '../audit/index.js'
import type { FrozenConfig } from '../config/index.js'
import { MamoriError } from '../errors/index.js'
import { openStore } from '../store/index.js'
import { progressBar } from './progress.js'
import { renderTable } from './table.js'

/** Logs at least this long show a progress bar on stderr while they are verified. */
const PROGRESS_FROM_ROWS = 50_000
const ANCHOR_SHAPE = /^([1-9][0-9]{0,15})(?::([0-9a-f]{64}))?$/

/**
 * Registers `audit verify`, `audit head` and `audit lock-down` (D-8, E-2) on the program.
 * `config` loads the frozen configuration the way every other command does (file, environment).
 */
export function registerAuditCommands(program: Command, config: () => FrozenConfig): void {
  const audit = program.command('audit').description('the tamper-evident audit log')

  audit
    .command('verify')
    .description('walk the audit chain; exit 1 and name the first edited, deleted or reordered row')
    .option('--json', 'print the result as JSON')
    .option('--no-mac', 'check the hash chain only, without the secret key (an auditor who does not hold it)')
    .option('--expect-head <seq[:hash]>', 'an anchor recorded earlier (mamori audit head): the chain must reach it unchanged', anchor)
    .action(async (o: { json?: boolean; mac: boolean; expectHead?: AuditAnchor }) => {
      const cfg = config()
      const secretKey = o.mac ? readSecretKey(cfg) : null
      const store = await openStore(cfg.database)
      try {
        let bar: ((done: number, total: number) => void) | undefined
        const v = await verifyAuditChain(store.db, {
          secretKey,
          ...(o.expectHead === undefined ? {} : { expect: o.expectHead }),
          onProgress: (done, total) => {
            if (total < PROGRESS_FROM_ROWS) return
            bar ??= progressBar('audit verify')
            bar(done, total)
          },
        })
        if (o.json === true) console.log(JSON.stringify(v, null, 2))
        else console.log(describeVerification(v))
        if (!v.ok) {
          if (o.json !== true) console.error(`audit chain broken at seq ${v.firstBrokenSeq} (${v.reason}, ${v.check} check): ${v.message}`)
          process.exitCode = 1
        }
      } finally {
        await store.close()
      }
    })

  audit
    .command('head')
    .description('print the last row of the chain; record it elsewhere as an anchor for verify --expect-head')
    .option('--json', 'print the head as JSON')
    .action(async (o: { json?: boolean }) => {
      const store = await openStore(config().database)
      try {
        const head = await store.db.selectFrom('audit_head').select(['seq', 'hash', 'at']).where('id', '=', 1).executeTakeFirst()
        if (head === undefined) throw new MamoriError('AUDIT_LOG_BROKEN', 'the audit log has no head row; run mamori audit verify')
        const seq = Number(head.seq)
        const at = Number(head.at)
        if (o.json === true) console.log(JSON.stringify({ seq, hash: head.hash, at }))
        else console.log(renderTable(['seq', 'at', 'anchor'], [[seq, at === 0 ? '-' : new Date(at).toISOString(), `${seq}:${head.hash}`]]))
      } finally {
        await store.close()
      }
    })

  audit
    .command('lock-down')
    .description('PostgreSQL: allow the service role only SELECT/INSERT on audit_log (no UPDATE, DELETE, TRUNCATE); run as the owner')
    .requiredOption('--role <name>', 'the role the service connects as')
    .option('--json', 'print the resulting privileges as JSON')
    .action(async (o: { role: string; json?: boolean }) => {
      const cfg = config()
      if (cfg.database.dialect !== 'postgres') throw new InvalidArgumentError('audit lock-down applies to PostgreSQL (database.dialect is sqlite)')
      const store = await openStore(cfg.database)
      try {
        const r = await lockDownAuditRole(store, o.role)
        if (o.json === true) {
          console.log(JSON.stringify(r, null, 2))
          return
        }
        const yes = (b: boolean): string => (b ? 'yes' : 'no')
        const row = (name: string, p: typeof r.auditLog): string[] => [name, yes(p.select), yes(p.insert), yes(p.update), yes(p.delete), yes(p.truncate)]
        console.log(`role ${r.role} on schema ${r.schema} (owner ${r.owner}):`)
        console.log(renderTable(['table', 'select', 'insert', 'update', 'delete', 'truncate'], [row('audit_log', r.auditLog), row('audit_head', r.auditHead)]))
      } finally {
        await store.close()
      }
    })
}

function describeVerification(v: AuditVerification): string {
  const head = v.head === null ? 'missing' : v.head.seq
  const mac = v.macChecked ? 'checked' : 'not checked'
  if (v.ok) return renderTable(['rows', 'head', 'mac', 'result'], [[v.rows, head, mac, 'OK']])
  return renderTable(['rows', 'head', 'mac', 'result', 'first broken seq', 'reason'], [[v.rows, head, mac, 'BROKEN', v.firstBrokenSeq, `${v.reason} (${v.check})`]])
}

function anchor(value: string): AuditAnchor {
  const m = ANCHOR_SHAPE.exec(value)
  if (m === null) throw new InvalidArgumentError('expected <seq> or <seq>:<64 hex characters>, as printed by mamori audit head')
  const seq = Number(m[1])
  if (!Number.isSafeInteger(seq)) throw new InvalidArgumentError('seq is too large')
  return m[2] === undefined ? { seq } : { seq, hash: m[2] }
}

/**
 * The key the service writes MACs with: `secrets.key`, or the existing `secrets.keyFile`. Never
 * creates one (that would make every row fail its MAC); --no-mac is the way to verify without it.
 */
function readSecretKey(cfg: FrozenConfig): Buffer {
  if (cfg.secrets.key !== undefined) return Buffer.from(cfg.secrets.key, 'base64')
  const file = cfg.secrets.keyFile
  if (!existsSync(file)) {
    throw new MamoriError('CONFIG_INVALID', `no secret key: set secrets.key (MAMORI_SECRET_KEY) or secrets.keyFile (${file} does not exist), or pass --no-mac`)
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new MamoriError('CONFIG_INVALID', `${file} must hold 32 bytes, base64 encoded`)
  return key
}
