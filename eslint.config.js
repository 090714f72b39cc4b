// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  {
    ignores: [
      "dist/**",
      "cdktf.out/**",
      "node_modules/**",
      "bench/node_modules/**",
      "coverage/**",
      "**/*.js",
      "reports/**",
      ".cache/**",
      "docs/api/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message: "Use deep imports (@cdktf/provider-aws/lib/<resource>): the barrel makes synth several times slower.",
            },
          ],
        },
      ],
    },
  },
  {
    // small rooms: no function in lib/ over 100 lines (docs/decisions/0005-code-style-and-small-functions.md)
    files: ["lib/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 100, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    // constructs synthesize infrastructure; the emulator, DLQ operations and CLI build on them, never the reverse
    files: ["lib/constructs/**/*.ts", "lib/providers/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message: "Use deep imports (@cdktf/provider-aws/lib/<resource>): the barrel makes synth several times slower.",
            },
          ],
          patterns: [
            {
              group: ["**/local", "**/local/*", "**/ops", "**/ops/*", "**/cli", "**/cli/*"],
              message:
                "lib/constructs and lib/providers never import lib/local, lib/ops or lib/cli: they depend on the constructs, not the reverse.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/runtime/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["cdktf", "cdktf/*", "@cdktf/*", "cdktn", "cdktn/*", "@cdktn/*", "constructs"],
              message: "lib/runtime runs inside Lambda and never imports cdktf or cdktn.",
            },
          ],
        },
      ],
    },
  },
);
