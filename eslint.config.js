// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  { ignores: ["dist/**", "cdktf.out/**", "node_modules/**", "bench/node_modules/**", "coverage/**", "**/*.js", "reports/**"] },
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
    files: ["lib/runtime/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["cdktf", "cdktf/*", "@cdktf/*", "constructs"], message: "lib/runtime runs inside Lambda and never imports cdktf." },
          ],
        },
      ],
    },
  },
);
