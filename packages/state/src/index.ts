export { StateError, StateErrorCode, type StateErrorType } from "./errors.js";
export { buildGenesisState } from "./genesisState.js";
export { collectReachableKeys } from "./reachableNodes.js";
export { isCodeKey, TrieNodeStore, trieDbKey } from "./trieNodeStore.js";
export { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, orderedTrieRoot, rlpIndex, trieRoot } from "./trieRoot.js";
export {
  type AccountState,
  defaultWorldStateOptions,
  type StateCommit,
  WorldState,
  type WorldStateOptions,
} from "./worldState.js";
