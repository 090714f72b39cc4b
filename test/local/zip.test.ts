import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { ZipError, extractZip, readZip } from "../../lib/local/zip";

describe("the emulator's archive unpacking", () => {
  const dir = mkdtempSync(join(tmpdir(), "gcx-zip-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, files: Record<string, Uint8Array>) => {
    const path = join(dir, name);
    writeFileSync(path, zipSync(files));
    return path;
  };

  it("unpacks stored and deflated entries into the target, folders included", () => {
    const archive = write("ok.zip", {
      "index.js": Buffer.from("exports.handler = 1;"),
      "lib/": new Uint8Array(),
      "lib/data.txt": Buffer.from("x".repeat(1000)),
    });
    expect(readZip(readFileSync(archive)).map((e) => e.name)).toEqual(["index.js", "lib/data.txt"]);
    const target = join(dir, "out");
    expect(extractZip(archive, target)).toEqual(["index.js", "lib/data.txt"]);
    expect(readFileSync(join(target, "lib", "data.txt"), "utf8")).toBe("x".repeat(1000));
  });

  it("refuses an entry that would land outside the target", () => {
    const archive = write("evil.zip", { "../evil.js": Buffer.from("boom") });
    expect(() => extractZip(archive, join(dir, "evil"))).toThrow(new ZipError(`${archive}: entry ../evil.js escapes the target directory`));
  });

  it("names the archive that is not a ZIP", () => {
    const path = join(dir, "not.zip");
    writeFileSync(path, "plain text");
    expect(() => extractZip(path, join(dir, "not"))).toThrow(ZipError);
    expect(() => extractZip(path, join(dir, "not"))).toThrow(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} could not be unpacked`),
    );
  });
});
