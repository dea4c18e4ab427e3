/**
 * Just enough RFC 5322 / MIME (RFC 2045–2047) to read what Mamori sends in tests: unfolded
 * headers, encoded-word subjects (B and Q, any charset the runtime's TextDecoder knows, which with
 * Node's ICU includes ISO-2022-JP and Shift_JIS), quoted-printable / base64 / 7bit / 8bit bodies,
 * and the first text/plain part of a multipart message. mailparser is not a dependency; this is
 * not a general mail parser.
 */

/** A message as the test SMTP server received it. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  from: string
  /** Envelope recipients (RCPT TO). */
  to: string[]
  /** Decoded Subject header. */
  subject: string
  /** Decoded text/plain body, with CRLF turned into LF. */
  text: string
  /** Decoded headers, lower-cased names, first occurrence of each. */
  headers: Record<string, string>
  /** The message exactly as transmitted (bytes read as UTF-8). */
  raw: string
}

export interface ParsedMail {
  subject: string
  text: string
  headers: Record<string, string>
}

interface Part {
  headers: Map<string, string>
  body: Buffer
}

/** Parses a raw message (as bytes) into decoded subject, text and headers. */
export function parseMail(raw: Buffer): ParsedMail {
  const root = splitPart(raw)
  const headers: Record<string, string> = {}
  for (const [name, value] of root.headers) headers[name] = decodeHeader(value)
  const textPart = findTextPart(root)
  const text = textPart === undefined ? '' : decodeBody(textPart).replace(/\r\n/g, '\n')
  return { subject: headers.subject ?? '', text, headers }
}

function splitPart(bytes: Buffer): Part {
  const latin1 = bytes.toString('latin1')
  let split = latin1.indexOf('\r\n\r\n')
  let sepLength = 4
  if (split < 0 || (latin1.indexOf('\n\n') >= 0 && latin1.indexOf('\n\n') < split)) {
    split = latin1.indexOf('\n\n')
    sepLength = 2
  }
  const head = split < 0 ? latin1 : latin1.slice(0, split)
  const body = split < 0 ? Buffer.alloc(0) : Buffer.from(latin1.slice(split + sepLength), 'latin1')
  const headers = new Map<string, string>()
  // RFC 5322 §2.2.3: a line starting with white space continues the previous header.
  const unfolded = head.replace(/\r?\n(?=[ \t])/g, '')
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    // Header bytes may be raw UTF-8 (RFC 6532); read them as such.
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8')
    if (!headers.has(name)) headers.set(name, value)
  }
  return { headers, body }
}

function contentType(part: Part): { type: string; params: Map<string, string> } {
  const value = part.headers.get('content-type') ?? 'text/plain; charset=us-ascii'
  const [type = 'text/plain', ...rest] = value.split(';')
  const params = new Map<string, string>()
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq < 0) continue
    let v = p.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1')
    params.set(p.slice(0, eq).trim().toLowerCase(), v)
  }
  return { type: type.trim().toLowerCase(), params }
}

function findTextPart(part: Part): Part | undefined {
  const { type, params } = contentType(part)
  if (type.startsWith('multipart/')) {
    const boundary = params.get('boundary')
    if (boundary === undefined) return undefined
    for (const child of splitMultipart(part.body, boundary)) {
      const found = findTextPart(child)
      if (found !== undefined) return found
    }
    return undefined
  }
  return type === 'text/plain' ? part : undefined
}

function splitMultipart(body: Buffer, boundary: string): Part[] {
  const latin1 = body.toString('latin1')
  const delimiter = `--${boundary}`
  const pieces = latin1.split(new RegExp(`(?:^|\\r?\\n)${escapeRegExp(delimiter)}`))
  const parts: Part[] = []
  // pieces[0] is the preamble; a piece starting with "--" is the close delimiter's epilogue.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break
    parts.push(splitPart(Buffer.from(piece.replace(/^[ \t]*\r?\n/, ''), 'latin1')))
  }
  return parts
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase()
  const charset = contentType(part).params.get('charset') ?? 'us-ascii'
  let bytes: Buffer
  if (encoding === 'base64') bytes = Buffer.from(part.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(part.body.toString('latin1'))
  else bytes = part.body
  return decodeCharset(bytes, charset)
}

/** RFC 2045 §6.7: "=XX" is a byte, "=" at the end of a line is a soft line break. */
export function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '')
  const out: number[] = []
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i] as string
    const hex = joined.slice(i + 1, i + 3)
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      out.push(joined.charCodeAt(i) & 0xff)
    }
  }
  return Buffer.from(out)
}

function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.trim().toLowerCase()
  if (label === 'us-ascii' || label === 'ascii') return bytes.toString('latin1')
  return new TextDecoder(label, { fatal: true }).decode(bytes)
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g

/**
 * RFC 2047: decodes encoded words, ignoring the white space between adjacent ones, and joins the
 * bytes of consecutive words in the same charset before decoding, since an encoder may split a
 * multi-byte character across two words.
 */
export function decodeHeader(value: string): string {
  const tokens: ({ text: string } | { charset: string; bytes: Buffer })[] = []
  let last = 0
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index)
    const prev = tokens[tokens.length - 1]
    if (!(prev !== undefined && 'bytes' in prev && /^[ \t\r\n]*$/.test(between))) {
      if (between !== '') tokens.push({ text: between })
    }
    const [, charsetSpec = '', enc = '', data = ''] = m
    // RFC 2231 §5 allows "charset*language".
    const charset = (charsetSpec.split('*')[0] ?? '').toLowerCase()
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : decodeQuotedPrintable(data.replace(/_/g, ' '))
    const prevWord = tokens[tokens.length - 1]
    if (prevWord !== undefined && 'bytes' in prevWord && prevWord.charset === charset) {
      prevWord.bytes = Buffer.concat([prevWord.bytes, bytes])
    } else {
      tokens.push({ charset, bytes })
    }
    last = (m.index ?? 0) + m[0].length
  }
  if (last < value.length) tokens.push({ text: value.slice(last) })
  return tokens.map((t) => ('text' in t ? t.text : decodeCharset(t.bytes, t.charset))).join('')
}
