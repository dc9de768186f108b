// Prints, once, why the Electron specs skip on a machine without an Electron binary.
import { findElectronBinary } from '../../scripts/electron-binary.mjs';

export default function globalSetup(): void {
  const bin = findElectronBinary();
  if ('missing' in bin) console.log(`e2e/electron: skipped: ${bin.missing}`);
}
