import { pino, type DestinationStream, type Logger } from 'pino'
import type { FrozenConfig } from '../config/index.js'

/** Field names whose values never reach a log line, at any depth up to SECRET_DEPTH. */
export const SECRET_FIELDS = Object.freeze([
  'password',
  'tradingPassword',
  'currentPassword',
  'newPassword',
  'token',
  'sessionToken',
  'secret',
  'authorization',
  'cookie',
  'code',
  'flowToken',
  'pairingCode',
  'deviceToken',
])

const SECRET_DEPTH = 5

function redactPaths(): string[] {
  const paths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-mamori-device"]', 'res.headers["set-cookie"]']
  for (const field of SECRET_FIELDS) {
    for (let depth = 0; depth <= SECRET_DEPTH; depth++) paths.push([...Array<string>(depth).fill('*'), field].join('.'))
  }
  return paths
}

/** The log levels config accepts. */
export type LogLevel = FrozenConfig['log']['level']

/**
 * The structured JSON logger (E-3). Credentials, tokens and cookies are replaced with
 * '[redacted]' wherever they appear as fields, so a careless `log.info({ body })` cannot leak a
 * password into a log pipeline that staff can read (seed 002). `destination` defaults to stdout;
 * tests pass a stream to read what was written.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: redactPaths(), censor: '[redacted]' } }
  return destination === undefined ? pino(options) : pino(options, destination)
}
