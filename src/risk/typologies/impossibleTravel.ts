import type { AccessAction, AccessEvent } from '../events/index.js'
import { checkCount, checkDuration, checkPositive } from './optionChecks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000
/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6_371.0088
const ACTIONS: readonly AccessAction[] = Object.freeze([
  'login',
  'order',
  'destination_change',
  'withdrawal',
  'contact_change',
  'factor_change',
  'password_change',
  'recovery',
])

/** Thresholds of `impossibleTravel`. */
export interface ImpossibleTravelOptions {
  /** Default 900 km/h, an airliner's cruising speed: faster than that, two people are at the keyboard. */
  readonly maxSpeedKmh?: number
  /**
   * Shorter distances are never flagged. Default 500 km: city-level IP geolocation is often off by
   * a few hundred km in Japan (one carrier's addresses placed in Tokyo one hour and Osaka the next,
   * 400 km apart), and two nearby cities minutes apart would otherwise be "faster than a plane".
   */
  readonly minDistanceKm?: number
  /** How far back to look. Default 24 h: by then any two points on Earth are reachable at 900 km/h. */
  readonly lookbackMs?: number
  /** Earlier events compared at most. Default 200. */
  readonly maxHistory?: number
}

/**
 * Impossible travel (C-3): two successful accesses of one customer whose distance over the time
 * between them needs more than `maxSpeedKmh`. Only city-level locations count: GeoLite2 gives a
 * country's centroid when it knows no city (any two would look like a flight across the country),
 * private addresses have no location, and a hosting or VPN exit says where the server is, not the
 * person. The event is compared with every earlier usable access in the window, not only the last,
 * so a customer and an attacker taking turns are caught whichever came last.
 */
export function impossibleTravel(options: ImpossibleTravelOptions = {}): Typology {
  const config = Object.freeze({
    maxSpeedKmh: options.maxSpeedKmh ?? 900,
    minDistanceKm: options.minDistanceKm ?? 500,
    lookbackMs: options.lookbackMs ?? 24 * HOUR_MS,
    maxHistory: options.maxHistory ?? 200,
  })
  checkPositive('maxSpeedKmh', config.maxSpeedKmh)
  checkPositive('minDistanceKm', config.minDistanceKm)
  checkDuration('lookbackMs', config.lookbackMs)
  checkCount('maxHistory', config.maxHistory)

  return Object.freeze({
    id: 'impossibleTravel',
    actions: ACTIONS,
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null || !locatable(event)) return null
      let worst: { from: Located; km: number; kmh: number } | undefined
      for (const e of await ctx.history(event.customerId, event.at - config.lookbackMs, config.maxHistory)) {
        if (e.outcome !== 'success' || !locatable(e)) continue
        const km = haversineKm(e.latitude, e.longitude, event.latitude, event.longitude)
        if (km < config.minDistanceKm) continue
        // Two events in the same millisecond are a minute apart at most for this purpose, not infinitely fast.
        const hours = Math.max(Math.abs(event.at - e.at), MINUTE_MS) / HOUR_MS
        const kmh = km / hours
        if (kmh > config.maxSpeedKmh && (worst === undefined || kmh > worst.kmh)) worst = { from: e, km, kmh }
      }
      if (worst === undefined) return null
      const { from, km, kmh } = worst
      const minutes = Math.round(Math.abs(event.at - from.at) / MINUTE_MS)
      return {
        typology: 'impossibleTravel',
        severity: 'high',
        reason:
          `${event.action} from ${place(event)} ${minutes} min after ${from.action} from ${place(from)}: ` +
          `${Math.round(km)} km at ${Math.round(kmh)} km/h`,
        evidence: {
          fromCity: from.city,
          fromCountry: from.country,
          fromIp: from.ip,
          fromAt: from.at,
          toCity: event.city,
          toCountry: event.country,
          toIp: event.ip,
          distanceKm: Math.round(km),
          minutes,
          speedKmh: Math.round(kmh),
        },
      }
    },
  })
}

type Located = AccessEvent & { readonly latitude: number; readonly longitude: number; readonly city: string }

/** A city-level location from a non-hosting network. */
function locatable(e: AccessEvent): e is Located {
  return e.city !== null && e.latitude !== null && e.longitude !== null && !e.hosting
}

function place(e: Located): string {
  return e.country === null ? e.city : `${e.city}, ${e.country}`
}

/** Great-circle distance in km between two points given in degrees (haversine formula). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)))
}
