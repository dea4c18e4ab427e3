/*
 * Source: das-group/rba-algorithm, rba-algorithm.ipynb (commit 28fec46), the reference
 * implementation of Freeman et al. (NDSS 2016) by Wiefling et al. Its functions
 * freeman_rba_score, get_sub_likelihood, get_likelihood, get_unseen_values and OccurenceHashTable
 * were run unchanged under pandas 1.5.3 on the 80 random logins below (5 customers; values drawn
 * independently, so one IP or UA string carries several ASNs, countries, browsers, OSes and
 * device types, which exercises every "unseen values" count). Each login was scored the way the
 * notebook's login_test_single does it, against everything before it: the hash table built from
 * the earlier logins, user_logs = the customer's earlier logins, global_logs = the earlier logins
 * plus the attempt, num_users = distinct customers so far. A customer's first login is not scored
 * by the notebook (null here; Mamori gives it Number.MAX_VALUE). The last column is the score the
 * notebook returned.
 */
import { describe, expect, it } from 'vitest'
import { RbaModel } from './index.js'

type Row = readonly [string, string, string, string, string, string, string, string, number | null]

const LOGINS: readonly Row[] = [
  ['u3', '10.0.1.6', 'AS0', 'JP', 'ua13', 'b3', 'o1', 'mobile', null],
  ['u5', '10.0.0.3', 'AS0', 'JP', 'ua6', 'b2', 'o1', 'desktop', null],
  ['u1', '10.0.3.0', 'AS1', 'JP', 'ua10', 'b3', 'o1', 'tablet', null],
  ['u5', '10.0.3.0', 'AS3', 'JP', 'ua8', 'b1', 'o2', 'mobile', 5.142857142857143],
  ['u2', '10.0.0.4', 'AS2', 'JP', 'ua9', 'b3', 'o1', 'mobile', null],
  ['u1', '10.0.0.0', 'AS3', 'DE', 'ua10', 'b3', 'o2', 'mobile', 1.3086888357360347],
  ['u4', '10.0.3.5', 'AS4', 'JP', 'ua12', 'b1', 'o1', 'desktop', null],
  ['u5', '10.0.2.7', 'AS5', 'DE', 'ua4', 'b3', 'o1', 'desktop', 8.569288943418915],
  ['u5', '10.0.3.2', 'AS5', 'JP', 'ua14', 'b2', 'o2', 'desktop', 0.22174295320487145],
  ['u1', '10.0.2.5', 'AS5', 'DE', 'ua9', 'b2', 'o1', 'desktop', 3.622547634914311],
  ['u3', '10.0.3.1', 'AS0', 'US', 'ua10', 'b3', 'o2', 'mobile', 0.3503388594047596],
  ['u4', '10.0.2.0', 'AS7', 'US', 'ua2', 'b3', 'o1', 'mobile', 12.79749226089082],
  ['u1', '10.0.1.4', 'AS2', 'JP', 'ua6', 'b2', 'o2', 'desktop', 1.952018993621778],
  ['u2', '10.0.3.6', 'AS4', 'JP', 'ua13', 'b2', 'o2', 'tablet', 9.450000000000001],
  ['u4', '10.0.2.6', 'AS3', 'JP', 'ua1', 'b1', 'o1', 'desktop', 1.489557042572129],
  ['u2', '10.0.0.7', 'AS2', 'US', 'ua4', 'b1', 'o1', 'mobile', 1.0651425359346822],
  ['u5', '10.0.2.5', 'AS2', 'JP', 'ua7', 'b3', 'o2', 'mobile', 1.5973788486893858],
  ['u4', '10.0.3.1', 'AS7', 'DE', 'ua0', 'b1', 'o1', 'desktop', 0.22819027986995816],
  ['u4', '10.0.1.1', 'AS5', 'JP', 'ua1', 'b1', 'o1', 'tablet', 0.7819933701765974],
  ['u1', '10.0.2.0', 'AS1', 'JP', 'ua9', 'b2', 'o1', 'tablet', 0.35655153929269434],
  ['u3', '10.0.2.5', 'AS7', 'JP', 'ua1', 'b2', 'o2', 'mobile', 6.894277812574738],
  ['u4', '10.0.2.1', 'AS2', 'JP', 'ua11', 'b2', 'o2', 'mobile', 293.8367475516029],
  ['u2', '10.0.0.3', 'AS5', 'JP', 'ua11', 'b3', 'o1', 'tablet', 2.7934712086949216],
  ['u3', '10.0.0.4', 'AS5', 'JP', 'ua5', 'b1', 'o2', 'tablet', 3.8176765724784847],
  ['u2', '10.0.1.3', 'AS6', 'JP', 'ua3', 'b3', 'o2', 'mobile', 1.2064688269448496],
  ['u1', '10.0.0.4', 'AS7', 'US', 'ua3', 'b3', 'o2', 'mobile', 4.305895489855045],
  ['u3', '10.0.2.1', 'AS3', 'JP', 'ua3', 'b2', 'o1', 'mobile', 3.1511431334776203],
  ['u2', '10.0.3.0', 'AS7', 'US', 'ua12', 'b3', 'o1', 'tablet', 2.97587520900471],
  ['u1', '10.0.3.3', 'AS7', 'JP', 'ua6', 'b3', 'o2', 'desktop', 0.7555966792535652],
  ['u4', '10.0.3.6', 'AS1', 'JP', 'ua2', 'b1', 'o1', 'desktop', 0.556352064176622],
  ['u5', '10.0.3.2', 'AS7', 'US', 'ua2', 'b3', 'o1', 'desktop', 1.0169957611586575],
  ['u1', '10.0.0.2', 'AS6', 'JP', 'ua13', 'b1', 'o1', 'mobile', 2.8702633620102707],
  ['u2', '10.0.2.3', 'AS5', 'US', 'ua8', 'b2', 'o1', 'desktop', 1.1314541889025664],
  ['u3', '10.0.3.6', 'AS2', 'JP', 'ua8', 'b3', 'o1', 'mobile', 2.5587946656883647],
  ['u2', '10.0.0.2', 'AS2', 'JP', 'ua7', 'b3', 'o1', 'tablet', 0.699735554506227],
  ['u1', '10.0.2.7', 'AS1', 'JP', 'ua3', 'b1', 'o2', 'desktop', 0.48381333600636317],
  ['u1', '10.0.3.0', 'AS1', 'DE', 'ua5', 'b3', 'o1', 'tablet', 0.2874370362407536],
  ['u3', '10.0.3.7', 'AS3', 'US', 'ua14', 'b3', 'o1', 'mobile', 1.0605121105057231],
  ['u2', '10.0.3.1', 'AS6', 'DE', 'ua5', 'b1', 'o1', 'mobile', 1.0518854021568502],
  ['u1', '10.0.1.4', 'AS1', 'JP', 'ua11', 'b3', 'o2', 'desktop', 0.2993636498302474],
  ['u3', '10.0.1.7', 'AS3', 'JP', 'ua6', 'b2', 'o1', 'tablet', 0.8200047890476622],
  ['u2', '10.0.1.6', 'AS6', 'US', 'ua6', 'b1', 'o2', 'mobile', 0.6218307640253914],
  ['u1', '10.0.2.0', 'AS5', 'DE', 'ua7', 'b3', 'o1', 'mobile', 0.5261632290856534],
  ['u3', '10.0.2.1', 'AS1', 'JP', 'ua14', 'b1', 'o1', 'mobile', 0.7307435779647866],
  ['u3', '10.0.0.2', 'AS4', 'JP', 'ua13', 'b2', 'o2', 'mobile', 0.7348011640513735],
  ['u2', '10.0.3.5', 'AS1', 'US', 'ua0', 'b3', 'o1', 'mobile', 1.4087178628599952],
  ['u1', '10.0.2.0', 'AS1', 'US', 'ua1', 'b3', 'o1', 'desktop', 0.2788526497394113],
  ['u3', '10.0.0.7', 'AS0', 'US', 'ua8', 'b2', 'o2', 'tablet', 0.33308891422909065],
  ['u2', '10.0.0.3', 'AS1', 'JP', 'ua4', 'b1', 'o1', 'desktop', 0.6502494841037897],
  ['u3', '10.0.2.3', 'AS4', 'DE', 'ua8', 'b3', 'o1', 'mobile', 0.9787792283903602],
  ['u3', '10.0.0.4', 'AS0', 'JP', 'ua0', 'b3', 'o1', 'tablet', 0.46206832709134393],
  ['u4', '10.0.1.7', 'AS1', 'DE', 'ua10', 'b2', 'o2', 'tablet', 4.354984545456014],
  ['u3', '10.0.1.3', 'AS5', 'JP', 'ua13', 'b3', 'o1', 'mobile', 0.7499071152015592],
  ['u3', '10.0.0.2', 'AS0', 'JP', 'ua10', 'b3', 'o2', 'mobile', 0.32695958949337767],
  ['u2', '10.0.0.1', 'AS6', 'US', 'ua9', 'b1', 'o2', 'desktop', 0.2940280902136871],
  ['u4', '10.0.1.2', 'AS4', 'DE', 'ua0', 'b2', 'o2', 'mobile', 0.7310618393138468],
  ['u5', '10.0.2.3', 'AS0', 'US', 'ua3', 'b2', 'o1', 'desktop', 1.8386641878757095],
  ['u3', '10.0.3.1', 'AS7', 'US', 'ua8', 'b3', 'o1', 'desktop', 0.4800384401416543],
  ['u5', '10.0.0.1', 'AS4', 'JP', 'ua2', 'b2', 'o1', 'mobile', 1.657691096585499],
  ['u1', '10.0.2.4', 'AS3', 'JP', 'ua9', 'b3', 'o1', 'tablet', 0.7694295092093831],
  ['u5', '10.0.3.5', 'AS7', 'JP', 'ua4', 'b3', 'o1', 'desktop', 1.3780174853015927],
  ['u5', '10.0.3.2', 'AS0', 'JP', 'ua1', 'b1', 'o1', 'desktop', 0.6304400984777789],
  ['u3', '10.0.0.6', 'AS7', 'JP', 'ua10', 'b1', 'o1', 'mobile', 0.7231037233698837],
  ['u3', '10.0.0.7', 'AS1', 'JP', 'ua10', 'b3', 'o1', 'tablet', 0.5271843911343852],
  ['u4', '10.0.2.1', 'AS4', 'JP', 'ua11', 'b1', 'o1', 'tablet', 0.4484465347120411],
  ['u4', '10.0.3.6', 'AS1', 'DE', 'ua14', 'b3', 'o2', 'desktop', 1.5981981938007364],
  ['u5', '10.0.1.1', 'AS2', 'US', 'ua4', 'b3', 'o2', 'tablet', 1.1246859228495814],
  ['u5', '10.0.1.0', 'AS7', 'JP', 'ua7', 'b2', 'o1', 'tablet', 0.8134074129861801],
  ['u2', '10.0.3.4', 'AS4', 'DE', 'ua7', 'b2', 'o1', 'tablet', 1.595536223609798],
  ['u2', '10.0.2.1', 'AS7', 'JP', 'ua4', 'b2', 'o1', 'tablet', 1.4348184919908764],
  ['u4', '10.0.2.6', 'AS3', 'JP', 'ua1', 'b3', 'o1', 'desktop', 0.8437305644592336],
  ['u5', '10.0.2.5', 'AS2', 'US', 'ua14', 'b1', 'o2', 'desktop', 0.562213777885174],
  ['u4', '10.0.3.6', 'AS0', 'JP', 'ua0', 'b2', 'o2', 'mobile', 0.5450579689297501],
  ['u3', '10.0.1.6', 'AS5', 'DE', 'ua5', 'b1', 'o2', 'desktop', 0.6825095802046949],
  ['u3', '10.0.2.6', 'AS1', 'JP', 'ua11', 'b1', 'o2', 'mobile', 1.0871601458509839],
  ['u3', '10.0.0.6', 'AS6', 'JP', 'ua5', 'b2', 'o2', 'desktop', 0.4901568263597453],
  ['u3', '10.0.0.0', 'AS4', 'JP', 'ua3', 'b2', 'o2', 'tablet', 0.6042825192822182],
  ['u3', '10.0.1.5', 'AS6', 'JP', 'ua12', 'b3', 'o2', 'tablet', 0.6463127260903954],
  ['u5', '10.0.1.1', 'AS0', 'DE', 'ua7', 'b3', 'o1', 'tablet', 0.43817607285670895],
  ['u3', '10.0.3.0', 'AS2', 'JP', 'ua7', 'b2', 'o2', 'mobile', 0.8192837451216616],
]

describe('RbaModel against the reference notebook', () => {
  it('reproduces every score freeman_rba_score returned for the 80 logins', () => {
    const model = new RbaModel()
    let scored = 0
    for (const [customer, ip, asn, country, ua, browser, os, deviceType, expected] of LOGINS) {
      const features = { ip, asn, country, ua, browser, os, deviceType }
      const s = model.score(customer, features)
      if (expected === null) {
        expect(s.customerLogins).toBe(0)
        expect(s.score).toBe(Number.MAX_VALUE)
      } else {
        expect(Math.abs(s.score - expected) / expected).toBeLessThan(1e-12)
        scored++
      }
      model.observe(customer, features)
    }
    expect(scored).toBe(75)
  })
})
