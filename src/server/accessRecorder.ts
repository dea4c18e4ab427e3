import type { FastifyReply, FastifyRequest } from 'fastify'
import { enrichAccess, type AccessAction, type AccessLog, type AccessOutcome } from '../risk/events/index.js'
import type { IpIntel } from '../risk/intel/index.js'
import type { Clock, Random } from '../runtime/index.js'

/** What a handler may add to the access record of its request. */
export interface AccessNote {
  customerId?: string
  deviceId?: string
  loginId?: string
  outcome?: AccessOutcome
  detail?: Record<string, string | number | boolean | null>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Filled by handlers that know more than the route does (who logged in, what was ordered). */
    accessNote: AccessNote | undefined
  }
}

/** Route operations that are recorded, and the access action each becomes. */
const RECORDED: Readonly<Record<string, AccessAction>> = {
  login: 'login',
  order: 'order',
  withdrawal: 'withdrawal',
  destination_change: 'destination_change',
  contact_change: 'contact_change',
  factor_change: 'factor_change',
  password_change: 'password_change',
  deposit: 'deposit',
  recovery: 'recovery',
}

/** Request fields that never reach the access history. */
const SECRET = new Set(['password', 'tradingPassword', 'currentPassword', 'newPassword', 'code', 'confirmation', 'response', 'flowToken', 'pairingCode'])

/**
 * Records every login attempt and every operation (C-1) when its response is sent: who, from
 * where (IP, network, device, user agent), what, and how it ended. Successful or not — a refused
 * attempt is as telling as a granted one. Secrets in the request are never copied.
 */
export function accessRecorder(deps: { log: AccessLog; intel: IpIntel; clock: Clock; random: Random }): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const op = request.routeOptions.config.operation
    if (op === undefined || request.is404) return
    let action = RECORDED[op]
    if (action === undefined) return
    const note = request.accessNote
    const status = reply.statusCode
    const outcome: AccessOutcome = note?.outcome ?? outcomeOf(status)
    if (action === 'login' && outcome !== 'success' && outcome !== 'step_up') action = 'login_failed'
    if (action === 'login' && request.method === 'GET') return
    const body = request.body
    const detail: Record<string, string | number | boolean | null> = { route: request.routeOptions.url ?? '', status }
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        if (SECRET.has(k)) continue
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) detail[k] = typeof v === 'string' ? v.slice(0, 128) : v
      }
    }
    Object.assign(detail, note?.detail)
    const loginId = note?.loginId ?? (typeof (body as { loginId?: unknown } | null)?.loginId === 'string' ? (body as { loginId: string }).loginId : null)
    deps.log.record(
      enrichAccess(
        {
          at: deps.clock.now(),
          customerId: note?.customerId ?? request.customer?.id ?? null,
          loginId,
          sessionHash: request.customer?.sessionHash ?? null,
          action,
          outcome,
          ip: request.ip,
          userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : '',
          deviceId: note?.deviceId ?? request.customer?.session.deviceId ?? null,
          detail,
        },
        deps.intel,
        deps.random,
      ),
    )
  }
}

function outcomeOf(status: number): AccessOutcome {
  if (status < 300) return 'success'
  if (status === 403) return 'step_up'
  if (status === 423) return 'held'
  if (status === 401 || status === 429) return 'failure'
  return 'denied'
}
