'use strict'
document.addEventListener('DOMContentLoaded', () => {
  const { $, api, show, webauthn } = window.Mamori
  const fail = (err) => show('message', err.code ? `${err.code}: ${err.message}` : String(err), 'error')

  // Runs `action`; when the policy asks for a fresh passkey, steps up once and tries again.
  async function withStepUp(operation, action) {
    try {
      return await action()
    } catch (err) {
      if (err.code !== 'STEP_UP_REQUIRED') throw err
      const { challengeId, options } = await api('POST', '/v1/auth/step-up/passkey/options', { operation })
      const response = await webauthn.startAuthentication({ optionsJSON: options })
      await api('POST', '/v1/auth/step-up/passkey', { operation, challengeId, response })
      return action()
    }
  }

  async function refresh() {
    try {
      const s = await api('GET', '/v1/auth/session')
      const me = await api('GET', '/v1/me')
      $('who').textContent = `${me.nameKanji} (${me.loginId})`
      $('who').dataset.customerId = me.id
      $('kind').textContent = `session: ${s.kind}`
      $('enrol').hidden = s.kind !== 'enrolment'
      const { passkeys } = await api('GET', '/v1/passkeys')
      $('passkeys').replaceChildren(
        ...passkeys.map((p) => {
          const li = document.createElement('li')
          li.textContent = `${p.label} (${p.purpose})`
          return li
        }),
      )
      if (s.kind === 'customer') {
        const p = await api('GET', '/v1/portfolio')
        $('portfolio').textContent = `cash ¥${p.cash.toLocaleString()}  reserved ¥${p.cashReserved.toLocaleString()}  holdings ${p.holdings.length}`
      }
    } catch (err) {
      if (err.code === 'AUTH_REQUIRED') location.href = '/login'
      else fail(err)
    }
  }

  $('register-passkey').addEventListener('click', async () => {
    try {
      await withStepUp('factor_change', async () => {
        const { challengeId, options } = await api('POST', '/v1/passkeys/registration/options', { purpose: 'login' })
        const response = await webauthn.startRegistration({ optionsJSON: options })
        await api('POST', '/v1/passkeys/registration', { challengeId, response, label: navigator.platform || 'passkey' })
      })
      show('message', 'パスキーを登録しました / Passkey registered', 'ok')
      await refresh()
    } catch (err) { fail(err) }
  })

  $('pair-app').addEventListener('click', async () => {
    try {
      const r = await withStepUp('factor_change', () => api('POST', '/v1/app/pairing', {}))
      $('pairing').hidden = false
      $('pairing-code').textContent = r.pairingCode
    } catch (err) { fail(err) }
  })

  $('lock-on').addEventListener('click', async () => {
    try {
      await api('POST', '/v1/login-lock', { enabled: true })
      show('message', 'ログインをロックしました。スマホアプリで解除できます / Login locked; open it from your phone app', 'ok')
    } catch (err) { fail(err) }
  })

  $('logout').addEventListener('click', async () => {
    await api('POST', '/v1/auth/logout').catch(() => undefined)
    location.href = '/login'
  })

  refresh()
})
