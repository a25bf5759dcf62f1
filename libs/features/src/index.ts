export { createFeatureExtractor } from './extract.js';
export type { FeatureExtractor } from './extract.js';
export { compileOptions } from './options.js';
export type { FeatureExtractorOptions, CompiledOptions } from './options.js';
export { FeaturesError } from './errors.js';
export type { FeaturesErrorCode, FeaturesIssue } from './errors.js';

export {
  analyseRandomness,
  analyseHistogram,
  shannonEntropy,
  toDirectionRandomness,
  DEFAULT_RANDOMNESS_TEST,
} from './randomness/analyse.js';
export type { RandomnessTest, RandomnessDetail } from './randomness/analyse.js';
export {
  randomEntropyMoments,
  asymptoticMoments,
  EXACT_MOMENTS_MAX_LENGTH,
} from './randomness/expected.js';
export type { RandomEntropyMoments } from './randomness/expected.js';
export { chiSquareUpperTail, upperRegularisedGamma, logGamma } from './randomness/gamma.js';

export { gfwBaseline, gfwRules } from './baselines/gfw.js';
export type { GfwDecision, GfwExemption, GfwOptions } from './baselines/gfw.js';
export {
  entropyThresholdBaseline,
  DEFAULT_ENTROPY_THRESHOLD,
} from './baselines/entropy-threshold.js';
export type {
  EntropyThresholdDecision,
  EntropyThresholdOptions,
} from './baselines/entropy-threshold.js';

export { classifyPort, createPortTable, defaultPortTable } from './ports/classify.js';
export type { PortOverrides, PortTable } from './ports/classify.js';
export { DEFAULT_ENCRYPTED_PORTS } from './ports/encrypted-ports.js';
export type { EncryptedPortEntry } from './ports/encrypted-ports.js';
export { ianaRegistry } from './ports/iana.js';
export type { IanaRegistry } from './ports/iana.js';

export { recogniseHandshake, detectContentMagic } from './handshake/index.js';
export type { HandshakeInput } from './handshake/index.js';
