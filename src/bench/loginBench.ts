import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { hashPassword, verifyPassword } from '../auth/password/index.js'
import { createCustomer } from '../brokerage/index.js'
import { loadConfig } from '../config/index.js'
import { startServer, type RunningServer } from '../server/index.js'
import { quantile, type BenchSection, type Figure } from './report.js'

/**
 * The password front door under load, on SQLite with the server in this process:
 *
 * 1. raw argon2id: `verifyPassword` with 8 verifications in flight (the libuv threadpool's natural
 *    concurrency), the ceiling for anything that checks a password;
 * 2. password logins per second over HTTP (POST /v1/auth/login, many customers, N clients), and
 *    that rate as a share of the raw argon2id rate;
 * 3. credential stuffing: an open-loop stream of wrong passwords from ≥1,000 loopback source
 *    addresses (127.x.y.z, spread over many /24s) at many login IDs, real and unknown, while
 *    legitimate customers keep logging in from their own addresses in other /24s.
 *
 * The load generators run in child processes (this module, forked with LOAD_FLAG), so the
 * server's event loop is the server's alone; they still share the machine's cores with it.
 */
export interface LoginBenchOptions {
  /** Length of the raw argon2id measurement. */
  readonly argonSeconds: number
  /** Length of the login-throughput window. */
  readonly throughputSeconds: number
  /** Length of the attack window (the drain after it is bounded by drainSeconds). */
  readonly attackSeconds: number
  /** Longest wait, after a window, for requests still in flight (they are then abandoned and counted). */
  readonly drainSeconds: number
  /** Concurrent legitimate clients (each with its own source address and /24). */
  readonly clients: number
  /** Legitimate customers, shared out over the clients. */
  readonly customers: number
  /** Real customers the attack aims at (besides unknown login IDs); never the legitimate ones. */
  readonly targetCustomers: number
  /** Attack attempts per second the generator offers (open loop). */
  readonly attackRate: number
  /** Distinct attacker source addresses. */
  readonly attackerAddresses: number
  /** Attacker addresses per /24 (≤ networkFailureLimit / ipFailureLimit keeps the per-IP limit the binding one). */
  readonly addressesPerNetwork: number
  /** Requests one attacker address keeps in flight at most (one keep-alive socket each). */
  readonly socketsPerAddress: number
  /** Share of attack attempts aimed at real login IDs (the rest at unknown ones). */
  readonly realTargetShare: number
  /** Pause between one legitimate client's logins during the attack. */
  readonly legitPauseMs: number
  /** Product throttle settings; undefined keeps the product defaults. */
  readonly ipFailureLimit?: number
  readonly networkFailureLimit?: number
  readonly log?: (line: string) => void
}

export const DEFAULT_LOGIN_BENCH: Omit<LoginBenchOptions, 'log'> = Object.freeze({
  argonSeconds: 5,
  throughputSeconds: 5,
  attackSeconds: 15,
  drainSeconds: 40,
  clients: 8,
  customers: 64,
  targetCustomers: 128,
  attackRate: 2500,
  attackerAddresses: 1024,
  addressesPerNetwork: 8,
  socketsPerAddress: 1,
  realTargetShare: 0.25,
  legitPauseMs: 500,
})

/** A fixed test key (32 bytes, base64): "mamori-bench-test-key-not-secret". Never a real secret. */
const BENCH_SECRET_KEY = Buffer.from('mamori-bench-test-key-not-secret', 'utf8').toString('base64')
const LOAD_FLAG = '--mamori-login-load'
const LEGIT_UA = 'Mozilla/5.0 (X11; Linux x86_64) MamoriBench/legit'
const ATTACK_UA = 'python-requests/2.31.0'

export async function runLoginBench(o: LoginBenchOptions): Promise<BenchSection> {
  const log = o.log ?? ((): void => undefined)
  const figures: Figure[] = []
  const notes: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'mamori-login-bench-'))
  const auth: Record<string, unknown> = { allowWeakPolicy: true }
  if (o.ipFailureLimit !== undefined) auth.ipFailureLimit = o.ipFailureLimit
  if (o.networkFailureLimit !== undefined) auth.networkFailureLimit = o.networkFailureLimit
  const config = loadConfig({
    overrides: {
      http: { host: '127.0.0.1', port: 0, secureCookies: false },
      database: { dialect: 'sqlite', sqlitePath: join(dir, 'login.db') },
      log: { level: 'silent' },
      market: { matchIntervalMs: 0 },
      withdrawals: { sendIntervalMs: 0 },
      auth,
      // One password login = one request that completes a session (the default policy also wants a passkey or app approval).
      policy: { login: { anyOf: [['password']], maxAgeSeconds: 300 } },
      secrets: { key: BENCH_SECRET_KEY },
      // Each login is still scored (its cost is in the figures); loopback addresses no history
      // vouches for would otherwise be stepped up, which is not the throughput measured here.
      risk: { mode: 'shadow' },
    },
  })
  let server: RunningServer | undefined
  try {
    server = await startServer(config)
    const port = Number(new URL(server.url).port)

    // Customers: the legitimate ones (each bound to one client and so to one source address) and
    // the real accounts the attack aims at. Passwords are per customer, not common, and differ.
    log(`login: creating ${o.customers} legitimate and ${o.targetCustomers} target customers (2 argon2id hashes each)`)
    const legit = Array.from({ length: o.customers }, (_, k) => ({
      loginId: `legit${String(k).padStart(4, '0')}`,
      password: `kasumi-${randomBytes(9).toString('base64url')}-login`,
      trading: `torihiki-${randomBytes(9).toString('base64url')}-trade`,
    }))
    const targets = Array.from({ length: o.targetCustomers }, (_, k) => ({
      loginId: `target${String(k).padStart(4, '0')}`,
      password: `sakura-${randomBytes(9).toString('base64url')}-login`,
      trading: `momiji-${randomBytes(9).toString('base64url')}-trade`,
    }))
    const brokerage = server.brokerage
    await inParallel([...legit, ...targets], 4, async (c, i) => {
      await createCustomer(brokerage, {
        loginId: c.loginId,
        nameKanji: '鈴木 一郎',
        nameKana: 'スズキ イチロウ',
        address: '東京都港区芝公園4-2-8',
        phone: `080-${String(1000 + (i % 9000)).padStart(4, '0')}-${String(i).padStart(4, '0')}`,
        dateOfBirth: '1970-01-01',
        email: `${c.loginId}@example.jp`,
        loginPassword: c.password,
        tradingPassword: c.trading,
      })
    })

    // Other processes on the machine change every figure here; say how busy it was.
    const load = (): string => loadavg().map((x) => x.toFixed(1)).join('/')
    const loadAtStart = load()

    // 1. Raw argon2id.
    log(`login: raw argon2id verifyPassword, 8 in flight, ${o.argonSeconds} s`)
    const argonCpu = process.cpuUsage()
    const argon = await argonVerifications(8, o.argonSeconds * 1000)
    const argonRate = argon.done / (argon.ms / 1000)
    figures.push({ name: 'argon2id verifications/s (verifyPassword, 8 in flight)', value: argonRate, unit: 'verif/s' })
    const argonCpuPerVerify = cpuMs(process.cpuUsage(argonCpu)) / argon.done
    figures.push({ name: 'server CPU per argon2id verification', value: argonCpuPerVerify, unit: 'CPU ms' })

    // Legitimate clients: client c at 127.250.c.1, its own /24, far from every attacker /24.
    const clients: LegitClientSpec[] = Array.from({ length: o.clients }, (_, c) => ({
      address: `127.250.${c}.1`,
      customers: legit.filter((_, k) => k % o.clients === c).map(({ loginId, password }) => ({ loginId, password })),
    }))

    // 2. Login throughput.
    log(`login: password logins over HTTP, ${o.clients} clients, ${o.customers} customers, ${o.throughputSeconds} s`)
    const elThroughput = monitorEventLoopDelay({ resolution: 10 })
    let loginCpu = process.cpuUsage()
    const [throughput] = await runChildren(
      [{ kind: 'logins', label: 'logins', port, clients, durationMs: o.throughputSeconds * 1000, pauseMs: 0, drainMs: o.drainSeconds * 1000, deviceTokens: {} }],
      log,
      () => {
        elThroughput.enable()
        loginCpu = process.cpuUsage()
      },
    )
    const serverCpuPerLogin = cpuMs(process.cpuUsage(loginCpu)) / (throughput as LoginsResult).completed
    elThroughput.disable()
    const t = throughput as LoginsResult
    const loginRate = t.completedInWindow / (t.windowMs / 1000)
    const ratio = loginRate / argonRate
    figures.push({ name: `password logins/s over HTTP (${o.clients} clients)`, value: loginRate, unit: 'logins/s' })
    figures.push({ name: 'logins/s ÷ argon2id verifications/s', value: ratio, unit: 'ratio', target: '≥ 0.9', met: ratio >= 0.9 })
    figures.push({ name: 'server CPU per login (argon2id included)', value: serverCpuPerLogin, unit: 'CPU ms' })
    figures.push({ name: 'load-generator CPU per login', value: t.cpuMs / t.completed, unit: 'CPU ms' })
    // What the ratio tends to when every core is busy, whatever else runs on the machine meanwhile.
    figures.push({ name: 'CPU-bound ratio: argon2id CPU ÷ all CPU per login', value: argonCpuPerVerify / (serverCpuPerLogin + t.cpuMs / t.completed), unit: 'ratio' })
    figures.push({ name: 'login latency p50 (throughput phase)', value: quantile(t.latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'login latency p99 (throughput phase)', value: quantile(t.latencies, 0.99), unit: 'ms' })
    figures.push({ name: 'server event-loop delay p99 (throughput phase)', value: elThroughput.percentile(99) / 1e6, unit: 'ms' })
    if (sumOf(t.failed) > 0 || t.unanswered > 0) notes.push(`throughput phase: ${sumOf(t.failed)} logins failed (${describe(t.failed)}), ${t.unanswered} unanswered`)

    // 3. Credential stuffing with legitimate logins alongside.
    const attackers = attackerAddresses(o.attackerAddresses, o.addressesPerNetwork)
    const networks = new Set(attackers.map((a) => a.split('.').slice(0, 3).join('.'))).size
    log(
      `login: attack ${o.attackSeconds} s at ${o.attackRate}/s offered from ${attackers.length} addresses in ${networks} /24s ` +
        `(≤ ${o.socketsPerAddress} in flight each), ${o.clients} legitimate clients pausing ${o.legitPauseMs} ms`,
    )
    const elAttack = monitorEventLoopDelay({ resolution: 10 })
    const [legitUnder, attack] = await runChildren(
      [
        { kind: 'logins', label: 'legit', port, clients, durationMs: o.attackSeconds * 1000, pauseMs: o.legitPauseMs, drainMs: o.drainSeconds * 1000, deviceTokens: t.deviceTokens },
        {
          kind: 'attack',
          port,
          addresses: attackers,
          socketsPerAddress: o.socketsPerAddress,
          rate: o.attackRate,
          durationMs: o.attackSeconds * 1000,
          drainMs: o.drainSeconds * 1000,
          realIds: targets.map((c) => c.loginId),
          realShare: o.realTargetShare,
        },
      ],
      log,
      () => elAttack.enable(),
    )
    elAttack.disable()
    const l = legitUnder as LoginsResult
    const a = attack as AttackResult
    const all = mergeCounts(a.inWindow, a.afterWindow)
    // HTTP answers only; a connection error (e.g. reset) is no answer, and its argon2id cost unknown.
    const answered = Object.entries(all).filter(([k]) => /^\d+$/.test(k)).reduce((n, [, v]) => n + v, 0)
    const connectionErrors = sumOf(all) - answered
    const throttled = all['429'] ?? 0
    const sentRate = a.sent / (a.windowMs / 1000)
    const legitP99 = quantile(l.latencies, 0.99)
    const locked = await server.store.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('locked_at', 'is not', null)
      .executeTakeFirstOrThrow()
    figures.push({ name: 'attack attempts/s sent (during the window)', value: sentRate, unit: 'attempts/s', target: '≥ 2,000', met: sentRate >= 2000 })
    figures.push({ name: 'attack attempts/s answered (during the window)', value: sumOf(a.inWindow) / (a.windowMs / 1000), unit: 'attempts/s' })
    figures.push({ name: 'distinct attacker source addresses used', value: a.addressesUsed, unit: 'addresses', target: '≥ 1,000', met: a.addressesUsed >= 1000 })
    figures.push({ name: 'attacker addresses that got an answer', value: a.addressesAnswered, unit: 'addresses' })
    figures.push({ name: 'attacker /24 networks', value: networks, unit: 'networks' })
    figures.push({ name: 'legitimate login p50 under attack', value: quantile(l.latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'legitimate login p99 under attack', value: legitP99, unit: 'ms', target: '≤ 300', met: legitP99 <= 300 })
    figures.push({ name: 'legitimate logins started during the attack', value: l.latencies.length, unit: 'logins' })
    figures.push({ name: 'argon2id computations caused by the attack (answered, not 429)', value: answered - throttled, unit: 'argon2id' })
    figures.push({ name: 'attack attempts throttled (429 RATE_LIMITED)', value: throttled, unit: 'attempts' })
    figures.push({ name: 'attack attempts with no answer (connection error or abandoned)', value: connectionErrors + a.unanswered, unit: 'attempts' })
    figures.push({ name: 'real target accounts locked', value: Number(locked.n), unit: `of ${o.targetCustomers}` })
    figures.push({ name: 'server event-loop delay p99 (attack phase)', value: elAttack.percentile(99) / 1e6, unit: 'ms' })

    notes.push(`load average (1/5/15 min) ${loadAtStart} before the argon2id phase, ${load()} after the attack, on ${availableParallelism()} cores`)
    notes.push(
      'the logins/s ÷ argon2id ratio compares two windows measured seconds apart, so other load on the machine moves it either way; ' +
        'the CPU-bound ratio (CPU time per verification ÷ CPU time per login, server and load generator) is the steadier figure',
    )
    notes.push(
      `login policy is [['password']] with auth.allowWeakPolicy: true, so one password login is one POST /v1/auth/login that completes a session ` +
        `(the default policy also needs a passkey or phone-app approval)`,
    )
    notes.push(
      `load generators are two child processes on the same ${availableParallelism()} cores as the server and its argon2id threadpool ` +
        `(UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'})`,
    )
    notes.push(
      `every load-generator address opened its keep-alive connection(s) before the window (GET /healthz); ` +
        `attack: open loop at ${o.attackRate}/s offered; an address keeps at most ${o.socketsPerAddress} request(s) in flight, and an attempt falling due ` +
        `while every address is busy is skipped (${a.skipped} of ${a.offered} offered were skipped: back-pressure from the server)`,
    )
    notes.push(
      `attack answers: ${describe(all)} (${sumOf(a.afterWindow)} of them after the window, while draining); ` +
        `${a.unanswered} attempts still unanswered after ${o.drainSeconds} s of draining were abandoned; ` +
        `attempts without an answer have an unknown argon2id cost and are not counted in it`,
    )
    notes.push(
      'argon2id computations are counted from outside: every attack attempt answered with anything but 429 cost exactly one argon2id ' +
        '(real, or the dummy one for unknown login IDs)',
    )
    notes.push(
      `legitimate logins under attack: ${l.completed} completed, ${sumOf(l.failed)} failed (${describe(l.failed)}), ${l.unanswered} unanswered ` +
        `(an unanswered one counts at the time it waited, a lower bound); latencies include the wait behind the attack's argon2id queue`,
    )
  } finally {
    if (server !== undefined) await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    bench: 'login',
    parameters: {
      clients: o.clients,
      customers: o.customers,
      targets: o.targetCustomers,
      attackRate: o.attackRate,
      attackers: o.attackerAddresses,
      perNetwork: o.addressesPerNetwork,
      socketsPerAddress: o.socketsPerAddress,
      attackSeconds: o.attackSeconds,
      legitPauseMs: o.legitPauseMs,
      ipFailureLimit: config.auth.ipFailureLimit,
      networkFailureLimit: config.auth.networkFailureLimit,
      throttleWindowSeconds: config.auth.throttleWindowSeconds,
      lockoutThreshold: config.auth.lockoutThreshold,
      sqliteSynchronous: 'FULL',
    },
    figures,
    notes,
  }
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000

async function argonVerifications(inFlight: number, durationMs: number): Promise<{ done: number; ms: number }> {
  const password = `bench-${randomBytes(12).toString('base64url')}`
  const hash = await hashPassword(password)
  let done = 0
  const started = performance.now()
  const end = started + durationMs
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        if (!(await verifyPassword(hash, password))) throw new Error('verifyPassword rejected the right password')
        done++
      }
    }),
  )
  return { done, ms: performance.now() - started }
}

/** `count` loopback addresses, `perNetwork` to a /24: 127.10.B.C, then 127.11.B.C, ... */
function attackerAddresses(count: number, perNetwork: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const net = Math.floor(i / perNetwork)
    return `127.${10 + Math.floor(net / 250)}.${net % 250}.${(i % perNetwork) + 1}`
  })
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (;;) {
        const i = next++
        if (i >= items.length) return
        await fn(items[i] as T, i)
      }
    }),
  )
}

const sumOf = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((s, n) => s + n, 0)
const describe = (counts: Readonly<Record<string, number>>): string =>
  Object.keys(counts).length === 0 ? 'none' : Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ')

function mergeCounts(...all: Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const counts of all) for (const [k, n] of Object.entries(counts)) out[k] = (out[k] ?? 0) + n
  return out
}

// ---------------------------------------------------------------------------------------------
// Load generators (child processes). Protocol: parent sends the job; the child prepares and
// answers 'ready'; the parent sends 'go' to every child at once; the child sends 'progress' lines
// and finally its 'result'.

interface LegitClientSpec {
  readonly address: string
  readonly customers: readonly { readonly loginId: string; readonly password: string }[]
}

interface LoginsJob {
  readonly kind: 'logins'
  readonly label: string
  readonly port: number
  readonly clients: readonly LegitClientSpec[]
  readonly durationMs: number
  readonly pauseMs: number
  readonly drainMs: number
  /** Device tokens by login ID from an earlier run; customers without one log in once first (untimed). */
  readonly deviceTokens: Readonly<Record<string, string>>
}

interface AttackJob {
  readonly kind: 'attack'
  readonly port: number
  readonly addresses: readonly string[]
  readonly socketsPerAddress: number
  readonly rate: number
  readonly durationMs: number
  readonly drainMs: number
  readonly realIds: readonly string[]
  readonly realShare: number
}

type LoadJob = LoginsJob | AttackJob

interface LoginsResult {
  /** Latency of every login started in the window (ms). */
  readonly latencies: number[]
  readonly completed: number
  readonly completedInWindow: number
  readonly failed: Record<string, number>
  readonly unanswered: number
  readonly windowMs: number
  readonly deviceTokens: Record<string, string>
  /** This process's CPU time from 'go' until every login finished. */
  readonly cpuMs: number
}

interface AttackResult {
  readonly offered: number
  readonly sent: number
  readonly skipped: number
  /** Answers by status (or error code) received during the window, and after it. */
  readonly inWindow: Record<string, number>
  readonly afterWindow: Record<string, number>
  readonly unanswered: number
  readonly windowMs: number
  /** Distinct local addresses of connected sockets that carried attempts. */
  readonly addressesUsed: number
  /** Distinct local addresses that got at least one answer. */
  readonly addressesAnswered: number
}

type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'result'; readonly result: LoginsResult | AttackResult }

/** Forks one load generator per job, starts them together, and collects their results. */
async function runChildren(jobs: readonly LoadJob[], log: (line: string) => void, onGo: () => void): Promise<(LoginsResult | AttackResult)[]> {
  const children: ChildProcess[] = []
  try {
    const results: Promise<LoginsResult | AttackResult>[] = []
    const readies: Promise<void>[] = []
    for (const job of jobs) {
      const child = fork(fileURLToPath(import.meta.url), [LOAD_FLAG], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push(child)
      let ready!: () => void
      readies.push(new Promise<void>((resolve) => (ready = resolve)))
      // A child that stalls is killed after everything it was asked to do plus a minute.
      const limitMs = 120_000 + job.durationMs + job.drainMs
      results.push(
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            child.kill()
            reject(new Error(`load generator ${job.kind} did not finish within ${limitMs} ms`))
          }, limitMs)
          child.on('message', (m: ChildMessage) => {
            if (m.type === 'ready') ready()
            else if (m.type === 'progress') log(m.line)
            else {
              clearTimeout(timer)
              resolve(m.result)
            }
          })
          child.on('error', (err) => {
            clearTimeout(timer)
            reject(err)
          })
          child.on('exit', (code) => {
            clearTimeout(timer)
            reject(new Error(`load generator ${job.kind} exited (${code}) without a result`))
          })
        }),
      )
      child.send(job)
    }
    // A child that fails while preparing rejects its result; do not wait for its 'ready' then.
    await Promise.race([Promise.all(readies), Promise.all(results)])
    onGo()
    for (const child of children) child.send({ type: 'go' })
    return await Promise.all(results)
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill()
  }
}

if (process.argv[2] === LOAD_FLAG && process.send !== undefined) {
  process.once('message', (job: LoadJob) => {
    const send = (m: ChildMessage): void => void process.send?.(m)
    const progress = (line: string): void => send({ type: 'progress', line })
    const go = new Promise<void>((resolve) => process.once('message', () => resolve()))
    const run = job.kind === 'logins' ? runLogins(job, progress, () => send({ type: 'ready' }), go) : runAttack(job, progress, () => send({ type: 'ready' }), go)
    run.then(
      (result) => process.send?.({ type: 'result', result } satisfies ChildMessage, () => process.disconnect()),
      (err: unknown) => {
        process.stderr.write(`load generator ${job.kind} failed: ${(err as Error).stack ?? String(err)}\n`)
        process.exit(1)
      },
    )
  })
}

interface Answer {
  readonly status: number
  readonly body: string
  readonly localAddress: string | undefined
}

/** POSTs a JSON body over `agent`; resolves with the status and body text. */
function postJson(
  agent: http.Agent,
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  keepBody: boolean,
  onSocket?: (socket: Socket) => void,
): Promise<Answer> {
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers },
      },
      (res) => {
        // Read now: once the answer has ended, a keep-alive socket may already be back in the agent's pool.
        const localAddress = res.socket?.localAddress
        const chunks: Buffer[] = []
        if (keepBody) res.on('data', (c: Buffer) => chunks.push(c))
        else res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: keepBody ? Buffer.concat(chunks).toString('utf8') : '', localAddress }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (onSocket !== undefined) req.once('socket', onSocket)
    req.end(payload)
  })
}

/**
 * Opens every agent's keep-alive connection ahead of the window (GET /healthz, a few at a time),
 * so the window measures logins rather than a storm of TCP connects against the listen backlog.
 */
async function preconnect(agents: readonly http.Agent[], port: number, socketsPerAgent: number): Promise<void> {
  const get = (agent: http.Agent): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
          res.resume()
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET /healthz answered ${res.statusCode}`))))
        })
        .on('error', reject)
    })
  // Concurrent requests on one agent open that many sockets (up to its maxSockets).
  await inParallel(agents, 32, async (agent) => {
    await Promise.all(Array.from({ length: socketsPerAgent }, () => get(agent)))
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** True when `p` settles within `ms`, false otherwise; the timer never outlives the race. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))])
  } finally {
    clearTimeout(timer)
  }
}
const errorKey = (err: unknown): string => `error ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`

/** Legitimate customers logging in with their own password, from their own address and device. */
async function runLogins(job: LoginsJob, progress: (line: string) => void, ready: () => void, go: Promise<void>): Promise<LoginsResult> {
  const deviceTokens: Record<string, string> = { ...job.deviceTokens }
  const agents = job.clients.map((c) => new http.Agent({ keepAlive: true, localAddress: c.address, maxSockets: 1 }))
  const failed: Record<string, number> = {}
  const latencies: number[] = []
  let completed = 0
  let completedInWindow = 0
  let unanswered = 0
  let stopping = false
  let abandoned = false
  let windowEnd = Number.POSITIVE_INFINITY

  const login = async (client: number, c: { loginId: string; password: string }): Promise<{ ok: boolean; key: string }> => {
    const device = deviceTokens[c.loginId]
    const a = await postJson(
      agents[client] as http.Agent,
      job.port,
      '/v1/auth/login',
      { loginId: c.loginId, password: c.password },
      { 'user-agent': LEGIT_UA, ...(device === undefined ? {} : { 'x-mamori-device': device }) },
      true,
    )
    if (a.status !== 200) return { ok: false, key: String(a.status) }
    const body = JSON.parse(a.body) as { status: string; deviceToken?: string }
    if (body.deviceToken !== undefined) deviceTokens[c.loginId] = body.deviceToken
    return body.status === 'complete' ? { ok: true, key: '' } : { ok: false, key: `200 ${body.status}` }
  }

  await preconnect(agents, job.port, 1)
  // Untimed: one login per customer without a device token yet, so every timed login is a returning device.
  await Promise.all(
    job.clients.map(async (spec, client) => {
      for (const c of spec.customers) {
        if (deviceTokens[c.loginId] !== undefined) continue
        const r = await login(client, c)
        if (!r.ok) throw new Error(`warm-up login of ${c.loginId} failed: ${r.key}`)
      }
    }),
  )
  ready()
  await go
  const started = performance.now()
  const cpuAtGo = process.cpuUsage()
  windowEnd = started + job.durationMs
  const ticker = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(0)
    progress(`${job.label} t=${s}s logins ok=${completed} failed=${Object.values(failed).reduce((x, y) => x + y, 0)} p99 so far=${quantile(latencies, 0.99).toFixed(0)} ms`)
  }, 1000)
  const loops = job.clients.map(async (spec, client) => {
    for (let i = 0; !stopping; i++) {
      const c = spec.customers[i % spec.customers.length]
      if (c === undefined) return
      const t0 = performance.now()
      try {
        const r = await login(client, c)
        const t1 = performance.now()
        latencies.push(t1 - t0)
        if (r.ok) {
          completed++
          if (t1 <= windowEnd) completedInWindow++
        } else failed[r.key] = (failed[r.key] ?? 0) + 1
      } catch (err) {
        if (abandoned) {
          unanswered++
          latencies.push(performance.now() - t0)
          return
        }
        latencies.push(performance.now() - t0)
        failed[errorKey(err)] = (failed[errorKey(err)] ?? 0) + 1
      }
      if (job.pauseMs > 0 && !stopping) await sleep(job.pauseMs)
    }
  })
  await sleep(job.durationMs)
  stopping = true
  const drained = await within(Promise.all(loops), job.drainMs)
  if (!drained) {
    abandoned = true
    for (const agent of agents) agent.destroy()
    await Promise.all(loops)
  }
  const cpu = cpuMs(process.cpuUsage(cpuAtGo))
  clearInterval(ticker)
  for (const agent of agents) agent.destroy()
  return { latencies, completed, completedInWindow, failed, unanswered, windowMs: job.durationMs, deviceTokens, cpuMs: cpu }
}

/** Credential stuffing: wrong passwords at real and unknown login IDs, open loop, from many addresses. */
async function runAttack(job: AttackJob, progress: (line: string) => void, ready: () => void, go: Promise<void>): Promise<AttackResult> {
  const agents = job.addresses.map((a) => new http.Agent({ keepAlive: true, localAddress: a, maxSockets: job.socketsPerAddress }))
  // A ring of free (address, socket) slots: taking from the front rotates through the addresses.
  const ring = new Int32Array(job.addresses.length * job.socketsPerAddress)
  let head = 0
  let free = 0
  const release = (i: number): void => {
    ring[(head + free) % ring.length] = i
    free++
  }
  const take = (): number | undefined => {
    if (free === 0) return undefined
    const i = ring[head] as number
    head = (head + 1) % ring.length
    free--
    return i
  }
  for (let s = 0; s < job.socketsPerAddress; s++) for (let i = 0; i < job.addresses.length; i++) release(i)
  await preconnect(agents, job.port, job.socketsPerAddress)

  const unknownIds = Array.from({ length: 20_000 }, (_, k) => `user${100000 + k * 7}`)
  const passwords = ['Password1!', 'qwerty2024', 'Summer2024!', 'iloveyou88', 'Tokyo@2025', 'letmein!123', 'dragon_77', 'sakura1234']
  const inWindow: Record<string, number> = {}
  const afterWindow: Record<string, number> = {}
  // Source addresses as the kernel bound them: of every connected socket, and of the answered attempts.
  const connectedFrom = new Set<string>()
  const answeredFrom = new Set<string>()
  const noteSource = (socket: Socket): void => {
    if (socket.localAddress !== undefined) connectedFrom.add(socket.localAddress)
    else socket.once('connect', () => socket.localAddress !== undefined && connectedFrom.add(socket.localAddress))
  }
  let offered = 0
  let sent = 0
  let skipped = 0
  let inFlight = 0
  let unanswered = 0
  let abandoned = false
  let windowEnd = Number.POSITIVE_INFINITY
  let allDone: (() => void) | undefined

  const record = (key: string): void => {
    const into = performance.now() <= windowEnd ? inWindow : afterWindow
    into[key] = (into[key] ?? 0) + 1
  }
  const fire = (address: number): void => {
    sent++
    inFlight++
    const real = Math.random() < job.realShare
    const loginId = real
      ? (job.realIds[Math.floor(Math.random() * job.realIds.length)] as string)
      : (unknownIds[Math.floor(Math.random() * unknownIds.length)] as string)
    const password = `${passwords[sent % passwords.length]}${sent}`
    postJson(agents[address] as http.Agent, job.port, '/v1/auth/login', { loginId, password }, { 'user-agent': ATTACK_UA }, false, noteSource).then(
      (a) => {
        if (a.localAddress !== undefined) answeredFrom.add(a.localAddress)
        record(String(a.status))
      },
      (err: unknown) => {
        if (abandoned) unanswered++
        else record(errorKey(err))
      },
    ).finally(() => {
      inFlight--
      release(address)
      if (inFlight === 0) allDone?.()
    })
  }

  ready()
  await go
  const started = performance.now()
  windowEnd = started + job.durationMs
  const counts = (): string => Object.entries(inWindow).map(([k, n]) => `${k}=${n}`).join(' ')
  const ticker = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(0)
    progress(`attack t=${s}s sent=${sent} skipped=${skipped} in flight=${inFlight} answered: ${counts() || 'none'}`)
  }, 1000)
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started
      const due = Math.floor((job.rate * Math.min(elapsed, job.durationMs)) / 1000)
      while (offered < due) {
        offered++
        const address = take()
        if (address === undefined) skipped++
        else fire(address)
      }
      if (elapsed >= job.durationMs) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  progress(`attack window over: sent=${sent}, draining ${inFlight} in flight (at most ${job.drainMs / 1000} s)`)
  if (inFlight > 0) {
    await within(new Promise<void>((resolve) => (allDone = resolve)), job.drainMs)
  }
  if (inFlight > 0) {
    abandoned = true
    const last = new Promise<void>((resolve) => (allDone = resolve))
    for (const agent of agents) agent.destroy()
    await last
  }
  clearInterval(ticker)
  for (const agent of agents) agent.destroy()
  return { offered, sent, skipped, inWindow, afterWindow, unanswered, windowMs: job.durationMs, addressesUsed: connectedFrom.size, addressesAnswered: answeredFrom.size }
}
