'use strict'
document.addEventListener('DOMContentLoaded', () => {
  const { $, api, show, webauthn } = window.Mamori
  let flow = null
  let poll = null

  function done(r) {
    if (poll) clearInterval(poll)
    location.href = '/account'
    return r
  }
  function fail(err) {
    show('message', err.code ? `${err.code}: ${err.message}` : String(err), 'error')
  }
  function progress(r) {
    if (r.status === 'complete') return done(r)
    flow = r
    $('factors').hidden = false
    const wanted = new Set(r.options.flat())
    $('use-passkey').hidden = !wanted.has('passkey')
    $('use-app').hidden = !wanted.has('app_approval')
    $('email').hidden = !(wanted.has('email_code') || r.deviceConfirmation)
    $('totp').hidden = !wanted.has('totp')
    if (r.deviceConfirmation) $('factors-intro').textContent = 'この端末の登録確認が必要です / Confirm this new device with the e-mailed code'
    return r
  }

  $('passkey-login').addEventListener('click', async () => {
    try {
      const { challengeId, options } = await api('POST', '/v1/auth/passkey/options', {})
      const response = await webauthn.startAuthentication({ optionsJSON: options })
      progress(await api('POST', '/v1/auth/passkey/login', { challengeId, response }))
    } catch (err) { fail(err) }
  })

  $('password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    try {
      progress(await api('POST', '/v1/auth/login', { loginId: $('login-id').value, password: $('password').value }))
    } catch (err) { fail(err) }
  })

  $('use-passkey').addEventListener('click', async () => {
    try {
      const { challengeId, options } = await api('POST', '/v1/auth/flow/passkey/options', { flowToken: flow.flowToken })
      const response = await webauthn.startAuthentication({ optionsJSON: options })
      progress(await api('POST', '/v1/auth/flow/passkey', { flowToken: flow.flowToken, challengeId, response }))
    } catch (err) { fail(err) }
  })

  $('use-app').addEventListener('click', async () => {
    try {
      const a = await api('POST', '/v1/auth/flow/approval', { flowToken: flow.flowToken })
      $('approval').hidden = false
      $('approval-number').textContent = String(a.number)
      // A retry after an expired or denied request starts clean: no stale outcome or error style.
      $('approval-status').textContent = 'スマホアプリで承認を待っています / Waiting for your phone…'
      $('approval-status').className = 'muted'
      delete $('approval-status').dataset.outcome
      if (poll) clearInterval(poll)
      poll = setInterval(async () => {
        try {
          const s = await api('POST', '/v1/auth/flow/approval/status', { flowToken: flow.flowToken })
          if (s.approval === 'approved' && s.login) return progress(s.login)
          if (s.approval === 'denied' || s.approval === 'expired') {
            clearInterval(poll)
            $('approval-status').textContent = s.approval === 'denied' ? '拒否されました / Denied on your phone' : '時間切れです / Expired — try again'
            $('approval-status').className = 'error'
            $('approval-status').dataset.outcome = s.approval
          }
        } catch (err) { clearInterval(poll); fail(err) }
      }, 1000)
    } catch (err) { fail(err) }
  })

  const purpose = () => (flow.deviceConfirmation ? 'device_add' : 'login')
  $('send-email').addEventListener('click', async () => {
    try {
      await api('POST', '/v1/auth/flow/email-code/send', { flowToken: flow.flowToken, purpose: purpose() })
      show('message', 'コードを送信しました / Code sent', 'ok')
    } catch (err) { fail(err) }
  })
  $('verify-email').addEventListener('click', async () => {
    try {
      progress(await api('POST', '/v1/auth/flow/email-code', { flowToken: flow.flowToken, purpose: purpose(), code: $('email-code').value }))
    } catch (err) { fail(err) }
  })
  $('verify-totp').addEventListener('click', async () => {
    try {
      progress(await api('POST', '/v1/auth/flow/totp', { flowToken: flow.flowToken, code: $('totp-code').value }))
    } catch (err) { fail(err) }
  })
})
