export * from "./async.js";
export * from "./bytes.js";
export * from "./errors.js";
export * from "./logger.js";
export { installPromiseWithResolvers } from "./withResolvers.js";
