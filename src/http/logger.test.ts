import { describe, expect, it } from 'vitest'
import { LogCapture } from '../../test/support/http.js'
import { createLogger } from './index.js'

describe('createLogger', () => {
  it('redacts credentials, tokens and cookies wherever they sit in a logged object', () => {
    const logs = new LogCapture()
    const log = createLogger('info', logs.stream)
    log.info(
      {
        password: 'zz-p-top',
        body: { loginId: 'yamada', password: 'zz-p-body', tradingPassword: 'zz-p-trade' },
        deep: { a: { b: { token: 'zz-t-deep', secret: 'zz-s-deep' } } },
        req: { headers: { authorization: 'Bearer zz-t-header', cookie: '__Host-mamori_session=zz-t-cookie' } },
        res: { headers: { 'set-cookie': '__Host-mamori_session=zz-t-set' } },
      },
      'request',
    )
    const line = JSON.parse(logs.lines[0] ?? '{}') as Record<string, unknown>
    for (const secret of ['zz-p-top', 'zz-p-body', 'zz-p-trade', 'zz-t-deep', 'zz-s-deep', 'zz-t-header', 'zz-t-cookie', 'zz-t-set']) {
      expect(logs.text).not.toContain(secret)
    }
    expect(line.body).toEqual({ loginId: 'yamada', password: '[redacted]', tradingPassword: '[redacted]' })
  })

  it('writes nothing at level silent', () => {
    const logs = new LogCapture()
    createLogger('silent', logs.stream).error({ password: 'x' }, 'boom')
    expect(logs.lines).toEqual([])
  })
})
