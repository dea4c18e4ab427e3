// Shared helpers for Mamori's minimal pages. No inline scripts anywhere (the pages' CSP forbids them).
'use strict'
window.Mamori = (() => {
  const $ = (id) => document.getElementById(id)
  async function api(method, path, body, headers) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers || {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    const json = text === '' ? null : JSON.parse(text)
    if (!res.ok) {
      const err = new Error((json && json.error && json.error.message) || res.statusText)
      err.code = json && json.error && json.error.code
      err.details = json && json.error && json.error.details
      throw err
    }
    return json
  }
  function show(id, text, cls) {
    const el = $(id)
    el.textContent = text
    el.className = cls || ''
    el.hidden = false
  }
  function key() {
    return (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random().toString(16).slice(2)
  }
  return { $, api, show, key, webauthn: window.SimpleWebAuthnBrowser }
})()
