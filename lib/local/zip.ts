/**
 * Unpacking the `archive.zip` of a synthesized Lambda function (fflate), for the local
 * emulator.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { unzipSync } from "fflate";
import { LocalEmulatorError } from "./errors";

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

/** Thrown for an archive that cannot be unpacked. */
export class ZipError extends LocalEmulatorError {
  override readonly name = "ZipError";
}

/** Reads every file entry of a ZIP archive (folders are skipped). */
export function readZip(archive: Uint8Array, label = "archive"): ZipEntry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(archive);
  } catch (error) {
    throw new ZipError(`${label} could not be unpacked: ${(error as Error).message}`);
  }
  return Object.entries(files)
    .filter(([name]) => !name.endsWith("/"))
    .map(([name, data]) => ({ name, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) }));
}

/** Unpacks an archive file into a directory (refusing entries that escape it). */
export function extractZip(archivePath: string, target: string): string[] {
  const names: string[] = [];
  for (const entry of readZip(readFileSync(archivePath), archivePath)) {
    const destination = normalize(join(target, entry.name));
    if (!destination.startsWith(normalize(target) + sep))
      throw new ZipError(`${archivePath}: entry ${entry.name} escapes the target directory`);
    mkdirSync(dirname(destination), { recursive: true });
    writeFileSync(destination, entry.data);
    names.push(entry.name);
  }
  return names;
}
