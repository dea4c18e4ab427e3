import type { FastifyError, FastifySchemaValidationError } from 'fastify'
import { isMamoriError, type ErrorCode } from '../errors/index.js'
import { errorBody, type ErrorBody } from './errorBody.js'
import { ERROR_STATUS } from './errorStatus.js'

/** What the edge answers for an error, and whether it is Mamori's fault (log it loudly). */
export interface ErrorResponse {
  status: number
  body: ErrorBody
  serverFault: boolean
}

const GENERIC_INTERNAL = 'an internal error occurred'

/** Fastify's own request errors, by their stable code. */
const FASTIFY_CODES: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_JSON', 'request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_JSON', 'request body is empty but content-type is application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['BODY_TOO_LARGE', 'request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'request body size does not match Content-Length'],
  FST_ERR_NOT_FOUND: ['NOT_FOUND', 'no such route'],
}

function fieldOf(context: string | undefined, issue: FastifySchemaValidationError): string {
  const path = issue.instancePath.split('/').filter((p) => p !== '')
  return [context ?? 'request', ...path].join('.')
}

function make(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): ErrorResponse {
  const status = ERROR_STATUS[code]
  return { status, body: errorBody(code, message, details), serverFault: status >= 500 && code !== 'UNAVAILABLE' }
}

/**
 * Turns anything thrown while handling a request into the client's answer. MamoriErrors keep
 * their code (a server-fault code gets a generic message: its text may describe internals);
 * schema failures name the field; anything unrecognised is INTERNAL with a generic message and
 * never a stack trace.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (isMamoriError(err)) {
    const response = make(err.code, err.message, err.details)
    return response.serverFault ? make(err.code, GENERIC_INTERNAL) : response
  }
  const fastifyError = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError>
  if (Array.isArray(fastifyError.validation) && fastifyError.validation.length > 0) {
    const issues = fastifyError.validation.map((issue) => ({
      field: fieldOf(fastifyError.validationContext, issue),
      message: issue.message ?? 'is invalid',
    }))
    const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ')
    return make('VALIDATION_FAILED', message, { issues })
  }
  const known = typeof fastifyError.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined
  if (known !== undefined) return make(known[0], known[1])
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Another client error Fastify detected (bad URL encoding, ...): the caller's fault, say little.
    return make('VALIDATION_FAILED', 'the request could not be processed')
  }
  return make('INTERNAL', GENERIC_INTERNAL)
}
