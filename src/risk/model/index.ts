export { RBA_WEIGHTS, RbaModel } from './RbaModel.js'
export type {
  ChildLevel,
  RbaCustomerPrior,
  RbaFeature,
  RbaFeatures,
  RbaModelOptions,
  RbaModelSnapshot,
  RbaPart,
  RbaScore,
  RbaSubFeature,
} from './RbaModel.js'
