export * from "./errors.js";
export * from "./interface.js";
export * from "./istanbulEngine.js";
export * from "./proposer.js";
export * from "./quorum.js";
export * from "./signer.js";
export * from "./signingWal.js";
export * from "./verify.js";
