/**
 * The documentation's links: every relative link in README.md, CONTRIBUTING.md, CHANGELOG.md
 * and docs/**\/*.md (the generated API reference under docs/api/ and API reports excepted) names an existing
 * file, and every `#anchor` a heading GitHub generates or an explicit `<a id>` / `name`.
 * External links are collected by `externalLinks` but never fetched.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { anchorsOf, brokenLinks, externalLinks, isExternal, linksOf, markdownFiles, slug } from "./markdown-links";

const root = path.resolve(__dirname, "../..");

describe("the documentation's links", () => {
  const files = markdownFiles(root, ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"], ["docs"], ["docs/api"]);

  it("covers the README, the guides and the decision records", () => {
    const names = files.map((file) => path.relative(root, file));
    expect(names).toContain("README.md");
    expect(names.some((name) => name.startsWith(path.join("docs", "guides")))).toBe(true);
    expect(names.some((name) => name.startsWith(path.join("docs", "decisions")))).toBe(true);
  });

  it("every relative link resolves to a file, and every anchor to a heading or an explicit anchor", () => {
    const broken = brokenLinks(files).map((link) => `${path.relative(root, link.file)}:${link.line}: ${link.target} (${link.reason})`);
    expect(broken).toEqual([]);
  });

  it("the README's relative links name files the package ships, so they resolve in node_modules too", () => {
    const shipped: string[] = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).files;
    const readme = path.join(root, "README.md");
    const unshipped = linksOf(readme, readFileSync(readme, "utf8"))
      .filter((link) => !isExternal(link.target) && !link.target.startsWith("#"))
      .map((link) => path.relative(root, path.resolve(root, link.target.split("#")[0])))
      .filter((target) => !shipped.some((entry) => target === entry || target.startsWith(`${entry}/`)));
    expect(unshipped).toEqual([]);
  });

  it("external links are collected, not fetched", () => {
    expect(externalLinks(files).every((link) => /^[a-z][a-z0-9+.-]*:/i.test(link.target))).toBe(true);
  });
});

describe("the link checker", () => {
  it("slugs headings as GitHub does", () => {
    expect(slug("Worker runtime (`cdktf-genesys-consumer/runtime`)")).toBe("worker-runtime-cdktf-genesys-consumerruntime");
    expect(slug("1. Load-generator throughput (`npm run bench -- generator`)")).toBe(
      "1-load-generator-throughput-npm-run-bench----generator",
    );
    expect(slug('Runbook: "the DLQ alarm fired"')).toBe("runbook-the-dlq-alarm-fired");
    expect(slug("snake_case stays")).toBe("snake_case-stays");
  });

  it("numbers repeated headings -1, -2, and reads explicit anchors, never headings inside code", () => {
    const anchors = anchorsOf('# A\n## A\n### A\n<a id="here"></a>\n```\n# Not a heading\n```\n## [Linked](x.md) **bold**\n');
    expect([...anchors]).toEqual(["a", "a-1", "a-2", "here", "linked-bold"]);
  });

  it("finds links outside code spans and fenced blocks, with their lines", () => {
    const text = "see [x](a.md#b) and `[y](not-a-link)`\n```\n[z](inside)\n```\n![img](p.png)\n[ref]: other.md\n";
    expect(linksOf("f.md", text).map((l) => `${l.line} ${l.target}`)).toEqual(["1 a.md#b", "5 p.png", "6 other.md"]);
  });
});
