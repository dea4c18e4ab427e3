import { z } from 'zod'
import { ERROR_CODES, type ErrorCode } from '../errors/index.js'

/** The body of every error response: `{ error: { code, message, details? } }`. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
})

/** The body of every error response. */
export type ErrorBody = z.infer<typeof errorBodySchema>

/** Builds an error body. */
export function errorBody(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details: { ...details } } }
}
