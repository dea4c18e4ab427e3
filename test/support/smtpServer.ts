import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ReceivedMail } from './smtpMime.js'

export type { ReceivedMail } from './smtpMime.js'

/** A running test SMTP server process. */
export interface SmtpServerHandle {
  /** smtp://127.0.0.1:<port> */
  url: string
  /** Every message received so far, oldest first. */
  messages(): Promise<ReceivedMail[]>
  /** The first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  /** Stops the process and waits for it to exit. */
  close(): Promise<void>
}

const PROCESS_FILE = fileURLToPath(new URL('./smtpServerProcess.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const START_TIMEOUT_MS = 15_000

/**
 * Starts test/support/smtpServerProcess.ts as a child process (a real SMTP server on a free
 * loopback port) and resolves once it listens.
 */
export function startSmtpServer(): Promise<SmtpServerHandle> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROCESS_FILE], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const received: ReceivedMail[] = []
  const waiters = new Set<(mail: ReceivedMail) => void>()
  const problems: string[] = []
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  return new Promise<SmtpServerHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`SMTP server process did not start within ${START_TIMEOUT_MS} ms: ${stderr}`))
    }, START_TIMEOUT_MS)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`SMTP server process exited (${String(code)}) before it was ready: ${stderr}`))
    })

    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: { type?: string; port?: number; message?: string } & Partial<ReceivedMail>
      try {
        event = JSON.parse(line) as typeof event
      } catch {
        problems.push(`unparsable line: ${line}`)
        return
      }
      if (event.type === 'ready' && typeof event.port === 'number') {
        clearTimeout(timer)
        resolve(handle(`smtp://127.0.0.1:${event.port}`))
      } else if (event.type === 'mail') {
        const { type: _type, ...mail } = event
        received.push(mail as ReceivedMail)
        for (const waiter of [...waiters]) waiter(mail as ReceivedMail)
      } else if (event.type === 'error') {
        problems.push(event.message ?? 'unknown error')
      }
    })
  })

  function handle(url: string): SmtpServerHandle {
    return {
      url,
      async messages(): Promise<ReceivedMail[]> {
        return [...received]
      },
      waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 5_000): Promise<ReceivedMail> {
        const already = received.find(predicate)
        if (already !== undefined) return Promise.resolve(already)
        return new Promise<ReceivedMail>((resolve, reject) => {
          const waiter = (mail: ReceivedMail): void => {
            if (!predicate(mail)) return
            clearTimeout(timer)
            waiters.delete(waiter)
            resolve(mail)
          }
          const timer = setTimeout(() => {
            waiters.delete(waiter)
            const detail = problems.length === 0 ? '' : ` (server problems: ${problems.join('; ')})`
            reject(new Error(`no matching mail within ${timeoutMs} ms; received ${received.length}${detail}`))
          }, timeoutMs)
          waiters.add(waiter)
        })
      },
      async close(): Promise<void> {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end()
          child.kill('SIGTERM')
        }
        await exited
      },
    }
  }
}
