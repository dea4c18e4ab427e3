/**
 * A real SMTP server in its own process, for tests: `node --import tsx test/support/smtpServerProcess.ts`.
 * Listens on 127.0.0.1 on a free port without TLS or authentication, and writes one JSON line per
 * event to stdout: first {"type":"ready","port":N}, then {"type":"mail", ...ReceivedMail} per
 * message. It exits when its stdin closes, so it never outlives the test run that started it.
 */
import { SMTPServer } from 'smtp-server'
import { parseMail, type ReceivedMail } from './smtpMime.js'

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 1024 * 1024,
  onData(stream, session, callback): void {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', (err: Error) => callback(err))
    stream.on('end', () => {
      const raw = Buffer.concat(chunks)
      try {
        const parsed = parseMail(raw)
        const mailFrom = session.envelope.mailFrom
        const mail: ReceivedMail = {
          from: mailFrom === false ? '' : mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject,
          text: parsed.text,
          headers: parsed.headers,
          raw: raw.toString('utf8'),
        }
        emit({ type: 'mail', ...mail })
        callback()
      } catch (err) {
        emit({ type: 'error', message: (err as Error).message, raw: raw.toString('utf8') })
        callback(err as Error)
      }
    })
  },
})

server.on('error', (err: Error) => emit({ type: 'error', message: err.message }))

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('unexpected listen address')
  emit({ type: 'ready', port: address.port })
})

function shutdown(): void {
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 1000).unref()
}

process.stdin.on('end', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
process.on('SIGTERM', shutdown)
