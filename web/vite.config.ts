// Two builds from one source tree, both embedded in the Go binary
// (internal/console): `--mode admin` is the console served at /admin/,
// `--mode site` the demo college front end served at the root of each
// demo origin. Output file names carry content hashes and nothing else
// varies between runs, so the committed build is reproducible from the
// lock file (CI rebuilds it and fails when it differs).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

export default defineConfig(({ mode }) => {
  const site = mode === 'site'
  return {
    root: fileURLToPath(new URL(site ? './site' : './admin', import.meta.url)),
    base: site ? '/' : '/admin/',
    plugins: [vue()],
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    build: {
      outDir: fileURLToPath(new URL(`../internal/console/dist/${site ? 'site' : 'admin'}`, import.meta.url)),
      emptyOutDir: true,
      sourcemap: false,
      chunkSizeWarningLimit: 2000,
      reportCompressedSize: false,
    },
  }
})
