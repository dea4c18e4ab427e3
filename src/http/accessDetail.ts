import type { FastifyRequest } from 'fastify'

/** Request fields that never reach the access history or the risk engine. */
const SECRET: ReadonlySet<string> = new Set([
  'password',
  'tradingPassword',
  'currentPassword',
  'newPassword',
  'code',
  'confirmation',
  'response',
  'flowToken',
  'pairingCode',
])

/** A request's scalar body and path fields without its secrets, cut to 128 characters: what the operation is about. */
export function accessDetailOf(request: FastifyRequest): Record<string, string | number | boolean | null> {
  const detail: Record<string, string | number | boolean | null> = {}
  for (const source of [request.params, request.body]) {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) continue
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      if (SECRET.has(k)) continue
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) {
        detail[k] = typeof v === 'string' ? v.slice(0, 128) : v
      }
    }
  }
  return detail
}
