import type { FastifyReply, FastifyRequest } from 'fastify'
import { enrichAccess, type AccessAction, type AccessEvent, type AccessLog, type AccessOutcome } from '../risk/events/index.js'
import type { IpIntel } from '../risk/intel/index.js'
import { accessDetailOf } from '../http/accessDetail.js'
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


/**
 * Records every login attempt and every operation (C-1) when its response is sent: who, from
 * where (IP, network, device, user agent), what, and how it ended. Successful or not — a refused
 * attempt is as telling as a granted one. Secrets in the request are never copied.
 */
export function accessRecorder(deps: {
  log: AccessLog
  intel: IpIntel
  clock: Clock
  random: Random
  /** Called with every successful login as recorded: the login model learns from it (C-2). */
  onLogin?: (event: AccessEvent) => void
  /** Called with every event recorded, and the request's method: the security audit (D-8). */
  onRecorded?: (event: AccessEvent, method: string) => void
}): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
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
    const detail: Record<string, string | number | boolean | null> = { route: request.routeOptions.url ?? '', status, ...accessDetailOf(request) }
    Object.assign(detail, note?.detail)
    const loginId = note?.loginId ?? (typeof (body as { loginId?: unknown } | null)?.loginId === 'string' ? (body as { loginId: string }).loginId : null)
    const event = enrichAccess(
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
    )
    deps.log.record(event)
    if (action === 'login' && outcome === 'success' && deps.onLogin !== undefined) deps.onLogin(event)
    deps.onRecorded?.(event, request.method)
  }
}

function outcomeOf(status: number): AccessOutcome {
  if (status < 300) return 'success'
  if (status === 403) return 'step_up'
  if (status === 423) return 'held'
  if (status === 401 || status === 429) return 'failure'
  return 'denied'
}
