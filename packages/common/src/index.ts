export * from "./async.js";
export * from "./bytes.js";
export * from "./errors.js";
export * from "./logger.js";
export { seededRandom } from "./random.js";
export { installPromiseWithResolvers } from "./withResolvers.js";
