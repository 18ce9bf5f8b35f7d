export * from "./address.js";
export * from "./errors.js";
export * from "./keccak.js";
export * from "./keystore.js";
export * from "./native.js";
export * from "./secp256k1.js";
export * from "./sigVerifier.js";
