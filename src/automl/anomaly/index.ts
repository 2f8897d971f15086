export { ruleHolds, type Condition, type StreamRule } from './rules.js';
export { normalCdf, twoSidedProbability } from './normal.js';
export {
  PEER_GROUP_SCHEMA_VERSION,
  readPeerGroup,
  scoreAndUpdate,
  scoreSeries,
  scoreValue,
  trainPeerGroup,
  type PeerGroupJSON,
  type PeerGroupMethod,
  type PeerGroupOptions,
  type StreamScore,
} from './peer-group.js';
export { assessRisk, severity, type Completeness, type RiskAssessment, type RiskOptions } from './risk.js';
export {
  smoothedZScore,
  SPIKE_DETECT_DEFAULTS,
  type SmoothedZScoreOptions,
  type SmoothedZScoreResult,
} from './smoothed-z-score.js';
export {
  matchesPattern,
  MAX_TEXT_VALUES,
  parseTextPattern,
  readTextPeerGroup,
  scoreText,
  trainTextPeerGroup,
  type TextPattern,
  type TextPeerGroupJSON,
  type TextScore,
} from './text-peer-group.js';
