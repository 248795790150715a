import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "packages/*/dist/",
      "src/generated/",
      "node_modules/",
      ".data/",
      "test-artifacts/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // the pages' scripts run in the browser
    files: ["public/**/*.js"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          "document",
          "window",
          "location",
          "navigator",
          "sessionStorage",
          "fetch",
          "URL",
          "URLSearchParams",
          "TextDecoder",
          "AbortController",
          "Intl",
          "Node",
          "FormData",
          "crypto",
          "setTimeout",
          "clearTimeout",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    files: ["scripts/**", "bench/**"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: { "no-console": "off" },
  },
);
