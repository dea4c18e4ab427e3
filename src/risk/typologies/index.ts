/** The brokerage fraud patterns of C-3, one file each, and the context they read the world through. */
import {
  contactThenFactorAndDestination,
  type ContactThenFactorAndDestinationOptions,
} from './contactThenFactorAndDestination.js'
import { credentialStuffing, type CredentialStuffingOptions } from './credentialStuffing.js'
import {
  destinationChangeFromUnseenOrigin,
  type DestinationChangeFromUnseenOriginOptions,
} from './destinationChangeFromUnseenOrigin.js'
import {
  illiquidBuyAfterLiquidation,
  type IlliquidBuyAfterLiquidationOptions,
} from './illiquidBuyAfterLiquidation.js'
import { impossibleTravel, type ImpossibleTravelOptions } from './impossibleTravel.js'
import {
  liquidationFromNewEnvironment,
  type LiquidationFromNewEnvironmentOptions,
} from './liquidationFromNewEnvironment.js'
import { newEnvironment, type NewEnvironmentOptions } from './newEnvironment.js'
import { oneOriginManyAccounts, type OneOriginManyAccountsOptions } from './oneOriginManyAccounts.js'
import { pumpRing, type PumpRingOptions } from './pumpRing.js'
import type { Typology } from './Typology.js'
import {
  withdrawalAfterDestinationChange,
  type WithdrawalAfterDestinationChangeOptions,
} from './withdrawalAfterDestinationChange.js'

export type { InstrumentFacts, Severity, Typology, TypologyContext, TypologyHit } from './Typology.js'
export { DbTypologyContext } from './DbTypologyContext.js'
export type { DbTypologyContextOptions } from './DbTypologyContext.js'
export { CachedTypologyContext } from './CachedTypologyContext.js'
export type { CachedTypologyContextOptions } from './CachedTypologyContext.js'
export { DEFAULT_FAMILIARITY, environmentNovelty, familiarityWindow, isFamiliar } from './familiarity.js'
export type { EnvironmentNovelty, FamiliarityWindow } from './familiarity.js'
export { CONSUMER_NETWORKS, MOBILE_CARRIER_NETWORKS, isPlaceholderNetwork } from './sharedNetworks.js'
export { credentialStuffing } from './credentialStuffing.js'
export type { CredentialStuffingOptions } from './credentialStuffing.js'
export { newEnvironment, userAgentFamily } from './newEnvironment.js'
export type { NewEnvironmentOptions } from './newEnvironment.js'
export { impossibleTravel, haversineKm } from './impossibleTravel.js'
export type { ImpossibleTravelOptions } from './impossibleTravel.js'
export { oneOriginManyAccounts } from './oneOriginManyAccounts.js'
export type { OneOriginManyAccountsOptions } from './oneOriginManyAccounts.js'
export { destinationChangeFromUnseenOrigin } from './destinationChangeFromUnseenOrigin.js'
export type { DestinationChangeFromUnseenOriginOptions } from './destinationChangeFromUnseenOrigin.js'
export { withdrawalAfterDestinationChange } from './withdrawalAfterDestinationChange.js'
export type { WithdrawalAfterDestinationChangeOptions } from './withdrawalAfterDestinationChange.js'
export { liquidationFromNewEnvironment } from './liquidationFromNewEnvironment.js'
export type { LiquidationFromNewEnvironmentOptions } from './liquidationFromNewEnvironment.js'
export { illiquidBuyAfterLiquidation } from './illiquidBuyAfterLiquidation.js'
export type { IlliquidBuyAfterLiquidationOptions } from './illiquidBuyAfterLiquidation.js'
export { pumpRing } from './pumpRing.js'
export type { PumpRingOptions } from './pumpRing.js'
export { contactThenFactorAndDestination } from './contactThenFactorAndDestination.js'
export type { ContactThenFactorAndDestinationOptions } from './contactThenFactorAndDestination.js'

/** Options for each typology of `defaultTypologies`, keyed by its id; each left out takes its defaults. */
export interface DefaultTypologiesOptions {
  readonly credentialStuffing?: CredentialStuffingOptions
  readonly newEnvironment?: NewEnvironmentOptions
  readonly impossibleTravel?: ImpossibleTravelOptions
  readonly oneOriginManyAccounts?: OneOriginManyAccountsOptions
  readonly destinationChangeFromUnseenOrigin?: DestinationChangeFromUnseenOriginOptions
  readonly withdrawalAfterDestinationChange?: WithdrawalAfterDestinationChangeOptions
  readonly liquidationFromNewEnvironment?: LiquidationFromNewEnvironmentOptions
  readonly illiquidBuyAfterLiquidation?: IlliquidBuyAfterLiquidationOptions
  readonly pumpRing?: PumpRingOptions
  readonly contactThenFactorAndDestination?: ContactThenFactorAndDestinationOptions
}

/**
 * The ten typologies of C-3, in the brief's order, each with its documented defaults unless
 * `options` overrides some of its thresholds. Throws CONFIG_INVALID for an impossible threshold.
 */
export function defaultTypologies(options: DefaultTypologiesOptions = {}): readonly Typology[] {
  return Object.freeze([
    credentialStuffing(options.credentialStuffing),
    newEnvironment(options.newEnvironment),
    impossibleTravel(options.impossibleTravel),
    oneOriginManyAccounts(options.oneOriginManyAccounts),
    destinationChangeFromUnseenOrigin(options.destinationChangeFromUnseenOrigin),
    withdrawalAfterDestinationChange(options.withdrawalAfterDestinationChange),
    liquidationFromNewEnvironment(options.liquidationFromNewEnvironment),
    illiquidBuyAfterLiquidation(options.illiquidBuyAfterLiquidation),
    pumpRing(options.pumpRing),
    contactThenFactorAndDestination(options.contactThenFactorAndDestination),
  ])
}
