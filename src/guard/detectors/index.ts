/** The detectors, in the order their evidence is reported. */
import { agentPingPong } from './agent-ping-pong.js';
import { contextBloat } from './context-bloat.js';
import type { Detector } from './detector.js';
import { echoChatter } from './echo-chatter.js';
import { repeatedRequests } from './repeated-requests.js';
import { repeatedToolCalls } from './repeated-tool-calls.js';
import { retryStorm } from './retry-storm.js';

export const DETECTORS: readonly Detector[] = [
  repeatedRequests,
  repeatedToolCalls,
  agentPingPong,
  echoChatter,
  contextBloat,
  retryStorm,
];

export type { Detector, DetectorInput, Phase } from './detector.js';
export { agentPingPong, contextBloat, echoChatter, repeatedRequests, repeatedToolCalls, retryStorm };
export { hasNearDuplicate } from './repeated-requests.js';
export { agentPeriod } from './agent-ping-pong.js';
export { isRetryableStatus } from './retry-storm.js';
