export type {
  FlowSource,
  Transport,
  PacketDirection,
  PacketSample,
  ExporterEvidence,
  FlowSummary,
  FlowRecord,
  DirectionRandomness,
  HandshakeProtocol,
  HandshakeInfo,
  ContentMagic,
  PortClass,
  Verdict,
  FlowFeatures,
  Severity,
  DetectionStatus,
  ScoreReason,
  PortBaselineSnapshot,
  Detection,
} from './types.js';
export type { FlowTuple } from './identity.js';
export { flowIdOf, flowKeyOf, detectionIdOf, transportOf } from './identity.js';
export {
  CONTENT_MAGICS,
  DETECTION_STATUSES,
  FLOW_SOURCES,
  HANDSHAKE_PROTOCOLS,
  SEVERITIES,
  TRANSPORTS,
  VERDICTS,
} from './symbols.js';
