'use strict'
document.addEventListener('DOMContentLoaded', () => {
  const { $, api, show, webauthn } = window.Mamori
  const fail = (err) => show('message', err.code ? `${err.code}: ${err.message}` : String(err), 'error')
  let timer = null

  function signedIn() {
    $('message').hidden = true
    $('setup').hidden = true
    $('home').hidden = false
    if (timer) clearInterval(timer)
    timer = setInterval(load, 1000)
    load()
  }

  async function load() {
    try {
      const { approvals } = await api('GET', '/v1/app/approvals')
      $('approvals').replaceChildren(...approvals.map(card))
    } catch (err) {
      if (timer) clearInterval(timer)
      timer = null
      if (err.code === 'AUTH_REQUIRED') signedOut()
      else fail(err)
    }
  }

  // The phone's session ended (idle or absolute timeout, or revoked): back to sign-in.
  function signedOut() {
    $('approvals').replaceChildren()
    $('home').hidden = true
    $('setup').hidden = false
    show('message', 'もう一度サインインしてください / Signed out: sign in again', 'error')
  }

  // One pending login: where it comes from, three numbers to pick from, and deny.
  function card(a) {
    const div = document.createElement('div')
    div.className = 'box approval'
    div.dataset.approvalId = a.id
    const env = document.createElement('p')
    env.textContent = `${new Date(a.environment.at).toLocaleString()} — ${a.environment.ip} — ${a.environment.userAgent}`
    div.append(env)
    for (const n of a.choices) {
      const b = document.createElement('button')
      b.type = 'button'
      b.textContent = String(n)
      b.dataset.number = String(n)
      b.addEventListener('click', () => approve(a.id, n))
      div.append(b)
    }
    const deny = document.createElement('button')
    deny.type = 'button'
    deny.className = 'deny'
    deny.textContent = '拒否 / Deny'
    deny.addEventListener('click', async () => {
      try {
        const r = await api('POST', `/v1/app/approvals/${a.id}/deny`, {})
        show('message', `denied (${r.status})`, 'ok')
      } catch (err) { fail(err) }
    })
    div.append(deny)
    return div
  }

  async function approve(id, number) {
    try {
      clearInterval(timer)
      const { challengeId, options } = await api('POST', `/v1/app/approvals/${id}/options`, { number })
      const response = await webauthn.startAuthentication({ optionsJSON: options })
      const r = await api('POST', `/v1/app/approvals/${id}/approve`, { number, challengeId, response })
      show('message', r.status === 'approved' ? '承認しました / Approved' : `${r.status}`, r.status === 'approved' ? 'ok' : 'error')
    } catch (err) { fail(err) }
    timer = setInterval(load, 1000)
  }

  $('pair').addEventListener('click', async () => {
    try {
      const pairingCode = $('pairing-code').value.trim()
      const { challengeId, options } = await api('POST', '/v1/app/pairing/options', { pairingCode })
      const response = await webauthn.startRegistration({ optionsJSON: options })
      await api('POST', '/v1/app/pairing/register', { pairingCode, challengeId, response })
      signedIn()
    } catch (err) { fail(err) }
  })

  $('sign-in').addEventListener('click', async () => {
    try {
      const { challengeId, options } = await api('POST', '/v1/app/session/options', {})
      const response = await webauthn.startAuthentication({ optionsJSON: options })
      await api('POST', '/v1/app/session', { challengeId, response })
      signedIn()
    } catch (err) { fail(err) }
  })

  $('open-login').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/v1/app/login-window', {})
      show('message', `ログイン可能: ${new Date(r.until).toLocaleTimeString()} まで / Login open until then`, 'ok')
    } catch (err) { fail(err) }
  })

  // Already signed in on this phone?
  api('GET', '/v1/app/approvals').then(signedIn, () => undefined)
})
