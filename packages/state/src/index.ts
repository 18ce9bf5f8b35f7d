export { StateError, StateErrorCode, type StateErrorType } from "./errors.js";
export {
  decodeAccount,
  EMPTY_ACCOUNT,
  encodeAccount,
  type FlatAccount,
  isEmptyAccount,
} from "./flat/accountRlp.js";
export { BlockState, type FinalizedState } from "./flat/blockState.js";
export { FlatStateStore, type FlatStateStoreModules } from "./flat/flatStateStore.js";
export { defaultHeadStateOptions, type HeadStateOptions } from "./flat/headState.js";
export { buildGenesisState } from "./genesisState.js";
export { collectReachableKeys } from "./reachableNodes.js";
export { kvTrieNodeReader } from "./trie/kvTrieNodeReader.js";
export { MerkleTrie, type TrieNodeReader } from "./trie/merkleTrie.js";
export { isCodeKey, TrieNodeStore, trieDbKey } from "./trieNodeStore.js";
export { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, orderedTrieRoot, rlpIndex, trieRoot } from "./trieRoot.js";
export {
  type AccountState,
  defaultWorldStateOptions,
  type StateCommit,
  WorldState,
  type WorldStateOptions,
} from "./worldState.js";
