import { describe, expect, it } from 'vitest'
import { generatePeople } from './demoPeople.js'
import { isKana } from './kana.js'

const people = generatePeople(42, 5_000)

describe('generatePeople', () => {
  it('generates the same people for the same seed', () => {
    expect(generatePeople(42, 5_000)).toEqual(people)
  })

  it('generates different people for a different seed', () => {
    expect(generatePeople(43, 20)).not.toEqual(people.slice(0, 20))
  })

  it('makes the first n of a larger population the population of n', () => {
    expect(generatePeople(42, 100)).toEqual(people.slice(0, 100))
  })

  it('gives 5,000 people unique login ids of mm and 8 digits', () => {
    expect(new Set(people.map((p) => p.loginId)).size).toBe(people.length)
    for (const p of people) expect(p.loginId).toMatch(/^mm[0-9]{8}$/)
  })

  it('gives 5,000 people unique e-mail addresses and phone numbers', () => {
    expect(new Set(people.map((p) => p.email)).size).toBe(people.length)
    expect(new Set(people.map((p) => p.phone)).size).toBe(people.length)
  })

  it('writes names as family and given name separated by a full-width space, the reading in kana', () => {
    for (const p of people) {
      expect(p.nameKanji).toMatch(/^\S+\u3000\S+$/u)
      expect(p.nameKana).toMatch(/^[\u30a1-\u30fc]+\u3000[\u30a1-\u30fc]+$/u)
      expect(isKana(p.nameKana)).toBe(true)
    }
  })

  it('gives valid dates of birth between 1945 and 2004', () => {
    for (const p of people) {
      expect(p.dateOfBirth).toMatch(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/)
      const d = new Date(`${p.dateOfBirth}T00:00:00Z`)
      expect(d.toISOString().slice(0, 10)).toBe(p.dateOfBirth)
      expect(d.getUTCFullYear()).toBeGreaterThanOrEqual(1945)
      expect(d.getUTCFullYear()).toBeLessThanOrEqual(2004)
    }
  })

  it('uses mobile numbers, chome-banchi addresses and reserved e-mail domains only', () => {
    for (const p of people) {
      expect(p.phone).toMatch(/^0[789]0-[0-9]{4}-[0-9]{4}$/)
      expect(p.address).toMatch(/^\S+?(都|道|府|県)\S+[0-9]+-[0-9]+-[0-9]+$/u)
      expect(p.email).toMatch(/^[a-z0-9._]+@example\.(jp|com)$/)
    }
  })

  it('returns nobody for a count of 0 and refuses an impossible count', () => {
    expect(generatePeople(1, 0)).toEqual([])
    expect(() => generatePeople(1, -1)).toThrow(TypeError)
    expect(() => generatePeople(1, 1.5)).toThrow(TypeError)
    expect(() => generatePeople(1, 10_000_000)).toThrow(TypeError)
  })
})
