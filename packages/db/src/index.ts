export { Bucket, bucketKey, bucketRange } from "./bucket.js";
export { bytesCodec, type Codec, jsonCodec, uint64Codec, utf8Codec } from "./codec.js";
export { DbError, DbErrorCode, type DbErrorType } from "./errors.js";
export type { BatchOp, IterateOptions, KvStore } from "./kvStore.js";
export { defaultLevelKvStoreOptions, LevelKvStore, type LevelKvStoreOptions } from "./levelKvStore.js";
export { MemoryKvStore } from "./memoryKvStore.js";
export { Repository, type RepositoryRange } from "./repository.js";
export { WriteBatch } from "./writeBatch.js";
