/**
 * The pivots of D-4, each in its own file: from an origin to every account it touched, from an
 * account to its timeline, from a stock to its recent buyers, and from an account to those with a
 * similar pattern.
 */
export { accountsByOrigin } from './accountsByOrigin.js'
export type { OriginAccount, OriginPivot, OriginPivotQuery, UnknownLoginIds } from './accountsByOrigin.js'
export { accountTimeline } from './accountTimeline.js'
export type { AccountTimeline, TimelineItem, TimelineKind, TimelineOptions } from './accountTimeline.js'
export { recentBuyers } from './recentBuyers.js'
export type { BuyEnvironment, BuyerOrder, RecentBuyer, RecentBuyers, RecentBuyersOptions, SymbolFreeze } from './recentBuyers.js'
export { similarAccounts, destinationKey, SIMILARITY_DIMENSIONS } from './similarAccounts.js'
export type { SharedItems, SimilarAccount, SimilarAccounts, SimilarAccountsOptions, SimilarityDimension } from './similarAccounts.js'
export type { OriginKind, PivotWindow } from './pivotInput.js'
