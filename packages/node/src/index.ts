export * from "./datadir.js";
export * from "./init.js";
export * from "./knodeNode.js";
export * from "./metrics.js";
export * from "./options.js";
export * from "./rpcBackend.js";
export * from "./version.js";
