import { JsonRpcProvider } from "ethers";

/**
 * An ethers provider as the tests drive it. ethers answers a repeated identical request from a 250 ms
 * cache, so on a chain that mines a tx within that window the next `getNonce("pending")` returns the
 * nonce just used ("nonce has already been used"); the cache is off here, as a wallet on a fast chain
 * should have it (or use a NonceManager).
 */
export function walletProvider(url: string, chainId: number | bigint): JsonRpcProvider {
  return new JsonRpcProvider(url, Number(chainId), { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
}
