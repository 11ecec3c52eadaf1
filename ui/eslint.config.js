// ESLint (flat config): TypeScript rules with type information, the rules of hooks, and the
// house rule that only src/api.ts talks to the Rust shell.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  { ignores: ['dist/', 'src/bindings.ts'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  reactHooks.configs.flat.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/api.ts', 'src/api.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tauri-apps/api', '@tauri-apps/api/*'], message: 'Call the shell through src/api.ts.' },
            {
              group: ['./bindings', '../bindings'],
              allowTypeImports: true,
              message: 'Commands and events go through src/api.ts; import only types from bindings.',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], extends: [tseslint.configs.disableTypeChecked] },
]);
