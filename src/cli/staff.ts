import { InvalidArgumentError, type Command } from 'commander'
import { AuditLog } from '../audit/index.js'
import type { FrozenConfig } from '../config/index.js'
import { cryptoRandom, systemClock } from '../runtime/index.js'
import { secretKey } from '../server/buildFrontDoor.js'
import { isStaffRole } from '../staff/permissions.js'
import { StaffService } from '../staff/StaffService.js'
import { migrate, openStore, type StaffRole } from '../store/index.js'
import { renderTable } from './table.js'

/** Runs `fn` with the staff service and the audit log over the configured database. */
async function withStaff<T>(cfg: FrozenConfig, fn: (staff: StaffService, audit: AuditLog) => Promise<T>): Promise<T> {
  const store = await openStore(cfg.database)
  try {
    await migrate(store)
    const staff = new StaffService({
      store,
      clock: systemClock,
      random: cryptoRandom,
      rpId: cfg.webauthn.rpId,
      rpName: cfg.webauthn.rpName,
      origins: cfg.webauthn.origins.length > 0 ? cfg.webauthn.origins : [`http://localhost:${cfg.http.port}`],
      idleMs: cfg.staff.idleMinutes * 60_000,
      absoluteMs: cfg.staff.absoluteHours * 3_600_000,
      enrolmentMs: cfg.staff.enrolmentHours * 3_600_000,
    })
    return await fn(staff, new AuditLog({ store, clock: systemClock, secretKey: secretKey(cfg) }))
  } finally {
    await store.close()
  }
}

function role(value: string): StaffRole {
  if (!isStaffRole(value)) throw new InvalidArgumentError('support | analyst | supervisor | auditor | admin')
  return value
}

/**
 * `mamori staff add|list|enrolment`: bootstrapping staff from the machine that runs Mamori (the
 * first admin has nobody to approve them). Each prints a one-time enrolment token to hand over
 * out of band; the member registers their passkey with it (POST /v1/staff/enrol). Every use is
 * in the audit log as the system actor `cli`. Role changes after that go through four-eyes
 * approval over the staff API.
 */
export function registerStaffCommands(program: Command, config: () => FrozenConfig): void {
  const staff = program.command('staff').description('staff accounts (passkey login, one role each)')
  staff
    .command('add')
    .description('create a staff member and print their one-time enrolment token')
    .requiredOption('--username <name>', 'login name (a-z, 0-9, . _ -)')
    .requiredOption('--role <role>', 'support | analyst | supervisor | auditor | admin', role)
    .option('--name <display>', 'display name')
    .action(async (o: { username: string; role: StaffRole; name?: string }) => {
      await withStaff(config(), async (s, audit) => {
        const r = await s.create({ username: o.username, displayName: o.name ?? o.username, role: o.role, createdBy: 'cli' })
        await audit.append({ actor: { kind: 'system', id: 'cli' }, action: 'staff.created', subject: { kind: 'staff', id: r.member.id }, detail: { role: o.role } })
        console.log(`created ${r.member.username} (${r.member.id}), role ${r.member.role}`)
        console.log(`enrolment token (valid until ${new Date(r.enrolmentExpiresAt).toISOString()}, usable once):`)
        console.log(r.enrolmentToken)
      })
    })
  staff
    .command('enrolment <staffId>')
    .description('issue a fresh enrolment token (a lost authenticator); earlier unused tokens stop working')
    .action(async (staffId: string) => {
      await withStaff(config(), async (s, audit) => {
        const r = await s.reissueEnrolment(staffId)
        await audit.append({ actor: { kind: 'system', id: 'cli' }, action: 'staff.created', subject: { kind: 'staff', id: staffId }, detail: { reissued: true } })
        console.log(`enrolment token (valid until ${new Date(r.enrolmentExpiresAt).toISOString()}, usable once):`)
        console.log(r.enrolmentToken)
      })
    })
  staff
    .command('list')
    .description('list staff members')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { json?: boolean }) => {
      await withStaff(config(), async (s) => {
        const members = await s.list()
        if (o.json === true) console.log(JSON.stringify(members, null, 2))
        else
          console.log(
            renderTable(
              ['id', 'username', 'name', 'role', 'status', 'passkeys', 'created (UTC)'],
              members.map((m) => [m.id, m.username, m.displayName, m.role, m.status, m.passkeys, new Date(m.createdAt).toISOString()]),
            ),
          )
      })
    })
}
