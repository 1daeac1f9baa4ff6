/**
 * The evidence an incident lists is capped (incident-correlator.ts); what comes beyond the cap
 * is counted (`moreEvidence`).
 */

/** Evidence kept per incident; beyond it only counted (confidence has long saturated by then). */
export const MAX_EVIDENCE_PER_INCIDENT = 300;
