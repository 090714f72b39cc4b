/**
 * Links in the project's Markdown: the heading anchors GitHub generates, the links each file
 * holds, and the check that every relative link and `#anchor` resolves. Used by
 * test/docs/links.test.ts; nothing here reaches the network.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/** A link found in a Markdown file: where it is and what it points at. */
export interface MarkdownLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** A link that does not resolve, with the reason. */
export interface BrokenLink extends MarkdownLink {
  readonly reason: string;
}

/**
 * GitHub's slug of a heading's text: lower-cased, punctuation and symbols removed (letters,
 * digits, marks, `_`, `-` and spaces kept), each space turned into a hyphen.
 */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Slugs that repeat in one file get `-1`, `-2`, ... as GitHub numbers them. */
export class Slugger {
  private readonly seen = new Map<string, number>();

  next(text: string): string {
    const base = slug(text);
    let result = base;
    while (this.seen.has(result)) {
      const count = (this.seen.get(base) ?? 0) + 1;
      this.seen.set(base, count);
      result = `${base}-${count}`;
    }
    this.seen.set(result, 0);
    return result;
  }
}

/** A heading's text as GitHub renders it: links as their text, HTML tags and emphasis markers dropped. */
function headingText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|\W)[*_](\S(?:.*?\S)?)[*_](?=\W|$)/g, "$1$2")
    .trim();
}

/** The lines of a Markdown file outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const result: { line: number; text: string }[] = [];
  let fence: string | undefined;
  text.split("\n").forEach((content, index) => {
    const marker = /^\s*(```+|~~~+)/.exec(content);
    if (marker) {
      if (!fence) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = undefined;
      return;
    }
    if (!fence) result.push({ line: index + 1, text: content });
  });
  return result;
}

/** Every anchor a file offers: its headings' slugs and the `id` / `name` of its HTML anchors. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const slugger = new Slugger();
  for (const { text: line } of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(slugger.next(headingText(heading[1])));
    for (const m of line.matchAll(/<a\s[^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(m[1]);
  }
  return anchors;
}

/** The links of a file: inline links and images, and reference definitions, outside code. */
export function linksOf(file: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text: content } of proseLines(text)) {
    const prose = content.replace(/(`+)[^`]*?\1/g, "");
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ file, line, target: m[1] });
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/.exec(prose);
    if (definition) links.push({ file, line, target: definition[1] });
  }
  return links;
}

/** True for a link that leaves the repository (`http:`, `https:`, `mailto:`, ...). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** The external links of some files: collected, never fetched. */
export function externalLinks(files: readonly string[]): MarkdownLink[] {
  return files.flatMap((file) => linksOf(file, readFileSync(file, "utf8")).filter((link) => isExternal(link.target)));
}

/**
 * The Markdown files the check covers, under `root`: the given files and every `.md` below the
 * given folders, except the `skip` folders and API Extractor reports (`*.api.md`, generated).
 */
export function markdownFiles(root: string, files: readonly string[], folders: readonly string[], skip: readonly string[]): string[] {
  const skipped = skip.map((dir) => path.join(root, dir) + path.sep);
  const found: string[] = files.map((file) => path.join(root, file)).filter((file) => existsSync(file));
  const walk = (dir: string): void => {
    if (skipped.some((s) => (dir + path.sep).startsWith(s))) return;
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".md") && !entry.endsWith(".api.md")) found.push(full);
    }
  };
  for (const folder of folders) if (existsSync(path.join(root, folder))) walk(path.join(root, folder));
  return found;
}

/** Why a relative link does not resolve, or undefined when it does. */
function problem(link: MarkdownLink, anchors: (file: string) => Set<string>): string | undefined {
  const hash = link.target.indexOf("#");
  const filePart = hash < 0 ? link.target : link.target.slice(0, hash);
  const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
  const resolved = filePart === "" ? link.file : path.resolve(path.dirname(link.file), decodeURIComponent(filePart.split("?")[0]));
  if (!existsSync(resolved)) return `no file ${path.relative(process.cwd(), resolved)}`;
  if (anchor === undefined || anchor === "") return undefined;
  if (!resolved.endsWith(".md")) return `an anchor (#${anchor}) on a file that is not Markdown`;
  if (!anchors(resolved).has(anchor)) return `no heading or anchor #${anchor} in ${path.basename(resolved)}`;
  return undefined;
}

/** Every relative link of the files that does not resolve to an existing file, or to a heading or anchor of it. */
export function brokenLinks(files: readonly string[]): BrokenLink[] {
  const cache = new Map<string, Set<string>>();
  const anchors = (file: string): Set<string> => {
    let found = cache.get(file);
    if (!found) cache.set(file, (found = anchorsOf(readFileSync(file, "utf8"))));
    return found;
  };
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const link of linksOf(file, readFileSync(file, "utf8"))) {
      if (isExternal(link.target)) continue;
      const reason = problem(link, anchors);
      if (reason) broken.push({ ...link, reason });
    }
  }
  return broken;
}
