export const KNODE_VERSION = "0.1.0";
export const CLIENT_VERSION = `knode/v${KNODE_VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`;
