import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// README.md is the front door and docs/README.md the index of docs/; these checks keep both
// true, and every citation of a docs file, as text moves between them.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// This file names made-up docs in its own cases.
const THIS_FILE = fileURLToPath(import.meta.url);
const DOCS = join(ROOT, "docs");
const README_MAX_LINES = 200;
const CODE_DIRS = ["lib", "app", "components", "scripts", "e2e", "prisma"];
const CODE_EXTENSIONS = /\.(ts|tsx|js|mjs|cjs|sh|sql|prisma|css)$/;
const SKIPPED_DIRS = new Set(["node_modules", "generated"]);
const DOCS_CITATION = /docs\/([a-z0-9-]+\.md)/g;
// A docs file named alone in docs' own text ("see delivery.md"), not as part of a path.
const BARE_DOCS_NAME = /(?<![\w/.-])([a-z0-9-]+\.md)\b/g;
const INLINE_LINK = /\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The first group of every match of a global pattern. */
function captured(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].flatMap((m) => m[1] ?? []);
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** The markdown without fenced code blocks and code spans, where brackets are not links. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of the relative links of a markdown file, resolved against its folder. */
function relativeLinks(markdown: string, fromDir: string): string[] {
  return captured(proseOf(markdown), INLINE_LINK)
    .filter((target) => !URL_SCHEME.test(target) && !target.startsWith("#"))
    .map((target) => resolve(fromDir, decodeURIComponent(target.replace(/[#?].*$/, ""))));
}

function missingTargets(markdown: string, fromDir: string): string[] {
  return relativeLinks(markdown, fromDir)
    .filter((path) => !existsSync(path))
    .map((path) => relative(ROOT, path));
}

function docsFiles(): string[] {
  return readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .sort();
}

function codeFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".") ? [] : codeFiles(path);
    }
    return CODE_EXTENSIONS.test(entry.name) && path !== THIS_FILE ? [path] : [];
  });
}

/** `docs/<name>.md` citations in a text that name no file of docs/. */
function staleCitations(text: string, existing: ReadonlySet<string>): string[] {
  return captured(text, DOCS_CITATION).filter((name) => !existing.has(name));
}

function staleBareNames(text: string, existing: ReadonlySet<string>): string[] {
  return captured(text, BARE_DOCS_NAME).filter((name) => !existing.has(name));
}

const markdownFiles = [join(ROOT, "README.md"), ...docsFiles().map((name) => join(DOCS, name))];
const existingDocs = new Set(docsFiles());

describe("the checks themselves", () => {
  it("find a relative link to a missing file, and skip code, web addresses and anchors", () => {
    const markdown = [
      "[here](README.md) and [gone](missing-file.md#part)",
      "[web](https://example.com/x.md) [anchor](#quick-start) `[code](no-such.md)`",
      "```sh",
      "[fenced](also-missing.md)",
      "```",
    ].join("\n");
    expect(missingTargets(markdown, ROOT)).toEqual(["missing-file.md"]);
  });

  it("find a citation or a bare name of a docs file that does not exist", () => {
    const existing = new Set(["delivery.md"]);
    expect(staleCitations("see docs/delivery.md and docs/gone-away.md", existing)).toEqual(["gone-away.md"]);
    expect(staleBareNames("see delivery.md, vanished.md and ../notes/other.md", existing)).toEqual(["vanished.md"]);
  });

  it("count a last line with or without its newline", () => {
    expect(lineCount("a\nb\n")).toBe(2);
    expect(lineCount("a\nb")).toBe(2);
  });
});

describe("README.md and docs/", () => {
  it(`keeps README.md under ${README_MAX_LINES} lines`, () => {
    expect(lineCount(readFileSync(join(ROOT, "README.md"), "utf8"))).toBeLessThan(README_MAX_LINES);
  });

  it.each(markdownFiles.map((path) => [relative(ROOT, path), path]))("%s links only to files that exist", (_, path) => {
    expect(missingTargets(readFileSync(path, "utf8"), dirname(path))).toEqual([]);
  });

  it.each(markdownFiles.map((path) => [relative(ROOT, path), path]))("%s cites only docs that exist", (_, path) => {
    const text = readFileSync(path, "utf8");
    expect(staleCitations(text, existingDocs)).toEqual([]);
    if (dirname(path) === DOCS) expect(staleBareNames(text, existingDocs)).toEqual([]);
  });

  it("lists every docs/*.md in docs/README.md", () => {
    const indexed = new Set(relativeLinks(readFileSync(join(DOCS, "README.md"), "utf8"), DOCS));
    const unlisted = docsFiles().filter((name) => name !== "README.md" && !indexed.has(join(DOCS, name)));
    expect(unlisted).toEqual([]);
  });
});

describe("comments in code", () => {
  it("cite only docs that exist", () => {
    const stale = CODE_DIRS.flatMap((dir) => codeFiles(join(ROOT, dir))).flatMap((path) =>
      staleCitations(readFileSync(path, "utf8"), existingDocs).map((name) => `${relative(ROOT, path)}: docs/${name}`),
    );
    expect(stale).toEqual([]);
  });
});
