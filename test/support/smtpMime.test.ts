import nodemailer from 'nodemailer'
import { describe, expect, it } from 'vitest'
import { decodeHeader, parseMail } from './smtpMime.js'

const SUBJECT = '【Mamori証券】ログイン確認コード / [Mamori Securities] Login confirmation code'
const TEXT = 'ログインの確認コード：123456\n有効期限は10分です。\n\nYour login confirmation code: 123456\n'

async function build(textEncoding: 'quoted-printable' | 'base64'): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
  const info = await transport.sendMail({ from: 'a@example.jp', to: 'b@example.jp', subject: SUBJECT, text: TEXT, textEncoding })
  return info.message as Buffer
}

describe('the test SMTP server’s MIME decoding', () => {
  it.each(['quoted-printable', 'base64'] as const)('reads nodemailer’s %s Japanese text back intact', async (encoding) => {
    const raw = await build(encoding)
    expect(raw.toString('latin1')).toContain(`Content-Transfer-Encoding: ${encoding}`)
    const parsed = parseMail(raw)
    expect(parsed.subject).toBe(SUBJECT)
    expect(parsed.text).toBe(TEXT)
  })

  it('joins a multi-byte character split across two encoded words', () => {
    const bytes = Buffer.from('確認', 'utf8')
    const a = bytes.subarray(0, 4).toString('base64')
    const b = bytes.subarray(4).toString('base64')
    expect(decodeHeader(`=?UTF-8?B?${a}?=\r\n =?UTF-8?B?${b}?= code`)).toBe('確認 code')
  })

  it('decodes Q-encoded words and ISO-2022-JP bodies', () => {
    expect(decodeHeader('=?utf-8?Q?Login_=E7=A2=BA=E8=AA=8D?=')).toBe('Login 確認')
    const jis = Buffer.from('1b2442334e47271b2842', 'hex') // 確認 in ISO-2022-JP
    const raw = Buffer.concat([
      Buffer.from('Subject: =?ISO-2022-JP?B?' + jis.toString('base64') + '?=\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'),
      jis,
      Buffer.from('\r\n'),
    ])
    const parsed = parseMail(raw)
    expect(parsed.subject).toBe('確認')
    expect(parsed.text).toBe('確認\n')
  })

  it('finds the text/plain part of a multipart message', () => {
    const raw = Buffer.from(
      [
        'Subject: multi',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        'preamble',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'こんにちは',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>hi</p>',
        '--b1--',
        '',
      ].join('\r\n'),
      'utf8',
    )
    expect(parseMail(raw).text).toBe('こんにちは')
  })
})
