import { initDatadir } from "@knode/node";

export async function initCommand(datadir: string, genesisPath: string): Promise<void> {
  const { hash, created } = await initDatadir(datadir, genesisPath);
  process.stdout.write(
    created
      ? `Successfully wrote genesis state ${hash} to ${datadir}\n`
      : `Genesis ${hash} already present in ${datadir}\n`,
  );
}
