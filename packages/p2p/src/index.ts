// The common index installs the Promise.withResolvers polyfill; it must run before libp2p loads.
import "@knode/common";

export * from "./createKnodeLibp2p.js";
export * from "./errors.js";
export { gossipTopic } from "./gossipRouter.js";
export * from "./interface.js";
export * from "./options.js";
export { type P2PModules, P2PNetwork } from "./P2PNetwork.js";
export * from "./peerId.js";
export { defaultPeerScoreOptions, type PeerScoreOptions } from "./peerScore.js";
export type { RateLimit } from "./rateLimiter.js";
export { requestProtocol } from "./reqResp.js";
export { readStaticNodes } from "./staticNodes.js";
export { checkTopology, defaultGossipKinds } from "./topology.js";
export type { QueueOptions } from "./validationQueues.js";
