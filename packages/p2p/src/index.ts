export * from "./peerId.js";
