/** The device cookie's name (src/auth/device/deviceCookie.ts); its value is sent back as x-mamori-device. */
const DEVICE_COOKIE = '__Host-mamori_device'

/** Where a request comes from: the address the broker's load balancer reports, and the browser's User-Agent. */
export interface Origin {
  readonly ip: string
  readonly userAgent: string
}

/** What the simulator learns from one HTTP answer: the status, the JSON body and, for errors, Mamori's stable code. */
export interface Reply<T = Record<string, unknown>> {
  readonly status: number
  readonly body: T
  /** `error.code` of an error body (`{ error: { code, message, details? } }`), else undefined. */
  readonly code: string | undefined
  readonly details: Record<string, unknown> | undefined
}

/** Counts the requests of a run, and numbers idempotency keys so a run is reproducible. */
export class RequestCounter {
  requests = 0
  #keys = 0

  nextKey(): string {
    return `sim-idem-${(++this.#keys).toString().padStart(8, '0')}`
  }
}

/** One request as a person watching a replay sees it (`mamori demo --replay`). */
export interface WatchedCall {
  readonly method: string
  readonly path: string
  readonly ip: string
  readonly status: number
  readonly code: string | undefined
}

export interface CallOptions {
  /** Sends `Authorization: Bearer <token>`; defaults to the browser's current session. */
  readonly token?: string | null
  /** Sends a fresh Idempotency-Key (state-changing brokerage routes require one). */
  readonly idempotent?: boolean
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * One browser or app on one device, talking to Mamori's HTTP API with fetch — the only way the
 * simulator's people and attackers reach Mamori. It presents its origin the way the broker's
 * load balancer would (X-Forwarded-For, with `http.trustProxy` on), keeps the device token the
 * server issued it (as a browser keeps the device cookie) and the current session token (rotated
 * on every step-up).
 */
export class Browser {
  origin: Origin
  deviceToken: string | undefined
  token: string | undefined
  /** Told of every answer this browser gets, and awaited (a live replay paces itself here). */
  watch: ((call: WatchedCall) => Promise<void>) | undefined
  readonly #baseUrl: string
  readonly #counter: RequestCounter

  constructor(baseUrl: string, origin: Origin, counter: RequestCounter) {
    this.#baseUrl = baseUrl
    this.origin = origin
    this.#counter = counter
  }

  async post<T = Record<string, unknown>>(path: string, body: unknown = {}, options: CallOptions = {}): Promise<Reply<T>> {
    return this.call<T>('POST', path, body, options)
  }

  async get<T = Record<string, unknown>>(path: string, options: CallOptions = {}): Promise<Reply<T>> {
    return this.call<T>('GET', path, undefined, options)
  }

  async call<T>(method: string, path: string, body: unknown, options: CallOptions): Promise<Reply<T>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-forwarded-for': this.origin.ip,
      ...options.headers,
    }
    if (this.origin.userAgent !== '') headers['user-agent'] = this.origin.userAgent
    const token = options.token === undefined ? this.token : options.token
    if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`
    if (this.deviceToken !== undefined) headers['x-mamori-device'] = this.deviceToken
    if (options.idempotent === true) headers['idempotency-key'] = this.#counter.nextKey()
    let payload: string | undefined
    if (body !== undefined) {
      payload = JSON.stringify(body)
      headers['content-type'] = 'application/json'
    }
    this.#counter.requests++
    const res = await fetch(new URL(path, this.#baseUrl), { method, headers, body: payload })
    const text = await res.text()
    const parsed: unknown = text === '' ? {} : (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : { text }
    const json = (parsed ?? {}) as Record<string, unknown>
    // A browser keeps the device cookie from whichever answer sets it; an app keeps the body's deviceToken.
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(';', 1)[0] ?? ''
      if (pair.startsWith(`${DEVICE_COOKIE}=`)) this.deviceToken = decodeURIComponent(pair.slice(DEVICE_COOKIE.length + 1))
    }
    const issued = json.deviceToken
    if (typeof issued === 'string') this.deviceToken = issued
    const error = json.error as { code?: unknown; details?: unknown } | undefined
    const reply: Reply<T> = {
      status: res.status,
      body: json as T,
      code: typeof error?.code === 'string' ? error.code : undefined,
      details: error?.details !== null && typeof error?.details === 'object' ? (error.details as Record<string, unknown>) : undefined,
    }
    if (this.watch !== undefined) await this.watch({ method, path, ip: this.origin.ip, status: res.status, code: reply.code })
    return reply
  }
}
