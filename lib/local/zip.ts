/**
 * A small ZIP reader (stored and deflated entries, no ZIP64, no encryption): enough to
 * unpack the `archive.zip` a cdktf `TerraformAsset` of type ARCHIVE writes.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { inflateRawSync } from "node:zlib";

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

/** Thrown for an archive the reader cannot unpack. */
export class ZipError extends Error {
  override readonly name = "ZipError";
}

/** Reads every file entry of a ZIP archive. */
export function readZip(archive: Buffer, label = "archive"): ZipEntry[] {
  const eocd = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new ZipError(`${label} is not a ZIP archive (no end of central directory)`);
  const count = archive.readUInt16LE(eocd + 10);
  let offset = archive.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new ZipError(`${label} is a ZIP64 archive, which the local emulator does not read`);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(offset) !== 0x02014b50) throw new ZipError(`${label}: bad central directory entry ${i}`);
    const flags = archive.readUInt16LE(offset + 8);
    const method = archive.readUInt16LE(offset + 10);
    const compressedSize = archive.readUInt32LE(offset + 20);
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    const localOffset = archive.readUInt32LE(offset + 42);
    const name = archive.toString("utf8", offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (flags & 1) throw new ZipError(`${label}: ${name} is encrypted`);
    if (archive.readUInt32LE(localOffset) !== 0x04034b50) throw new ZipError(`${label}: bad local header for ${name}`);
    const start = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
    const raw = archive.subarray(start, start + compressedSize);
    if (method === 0) entries.push({ name, data: Buffer.from(raw) });
    else if (method === 8) entries.push({ name, data: inflateRawSync(raw) });
    else throw new ZipError(`${label}: ${name} uses compression method ${method}; only stored and deflated entries are read`);
  }
  return entries;
}

/** Unpacks an archive file into a directory (refusing entries that escape it). */
export function extractZip(archivePath: string, target: string): string[] {
  const names: string[] = [];
  for (const entry of readZip(readFileSync(archivePath), archivePath)) {
    const destination = normalize(join(target, entry.name));
    if (!destination.startsWith(normalize(target) + sep)) throw new ZipError(`${archivePath}: entry ${entry.name} escapes the target directory`);
    mkdirSync(dirname(destination), { recursive: true });
    writeFileSync(destination, entry.data);
    names.push(entry.name);
  }
  return names;
}
